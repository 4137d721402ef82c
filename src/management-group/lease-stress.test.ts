/**
 * Lease stress test: many contenders, each with its own connection pool on
 * a server (one shared PGlite on the embedded engine), race for a short
 * lease for a bounded time: they fail over expired leases, claim, renew,
 * force-promote themselves now and then, write through fenced transactions
 * (sometimes pausing inside them), and pause at random past their expiry.
 *
 * An independent checker then proves, from a sampler on its own connection
 * and from the database's records alone:
 *  - the token never decreased, and each token belonged to one holder process;
 *  - no tenure began before the previous one had expired, by the database
 *    clock, unless it was a forced promotion (which fences the previous token);
 *  - every accepted write carried the token current at its commit: it is
 *    ordered after its token's first event and before the next token's
 *    (writes and lease changes draw from one sequence while holding the
 *    lease row, so that order is the serialisation order), it was made by the
 *    process that held that token, and before that tenure's expiry.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ENGINES } from '../../test/support/engines.js';
import { prepareGroup, sleep } from '../../test/support/lease.js';
import type { Database } from '../db/database.js';
import { isSmgrError } from '../errors/smgr-error.js';
import { fenced } from './fence.js';
import type { LeaseSettings } from './lease-settings.js';
import { promote } from './promote.js';
import { registerComputer } from './registration.js';
import { claimLease, failoverLease, readLease, renewLease, type Tenure } from './workflow-lease.js';

/** mulberry32: a seeded generator, so a failing run can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Tally {
  acquired: number;
  renewed: number;
  forced: number;
  accepted: number;
  refused: number;
  /** Fenced transactions the database ended, idle past fenceIdleMs (this process stalled inside one). */
  ended: number;
  errors: number;
}

const LEASE_MS = 150;

async function contender(
  db: Database,
  name: string,
  running: () => boolean,
  random: () => number,
  s: LeaseSettings,
  tally: Tally,
): Promise<void> {
  const instance = crypto.randomUUID();
  let tenure: Tenure | undefined;
  while (running()) {
    try {
      if (!tenure) {
        if (random() < 0.015) {
          await promote(db, { computer: name, force: true, actor: name, settings: s }).then(
            () => tally.forced++,
            () => {},
          );
        }
        tenure =
          (await claimLease(db, name, instance, s.leaseMs, s.lockTimeoutMs)) ??
          (await failoverLease(db, name, instance, s.leaseMs, 0, s.lockTimeoutMs));
        if (tenure) tally.acquired++;
      } else if (random() < 0.35) {
        if (await renewLease(db, tenure, s.leaseMs, s.lockTimeoutMs)) tally.renewed++;
        else tenure = undefined;
      } else {
        const pauseInside = random() < 0.2 ? Math.floor(random() * 40) : 0;
        const t = tenure;
        await fenced(db, t, s.fenceIdleMs, async (tx) => {
          if (pauseInside) await sleep(pauseInside);
          await tx.query(
            `INSERT INTO stress_writes (ord, contender, token, instance, lease_expires)
             SELECT nextval(pg_get_serial_sequence('workflow_lease_history', 'id')), $1, $2, $3, expires_at
               FROM workflow_lease WHERE singleton`,
            [name, t.token, t.instance],
          );
        });
        tally.accepted++;
      }
    } catch (e) {
      if (isSmgrError(e) && e.code === 'LEASE_LOST') {
        tally.refused++;
        tenure = undefined;
      } else if (endedByTheDatabase(e)) {
        tally.ended++; // nothing written (the checks below prove it); the tenure itself is untouched
      } else {
        tally.errors++;
      }
    }
    const r = random();
    await sleep(r < 0.12 ? LEASE_MS + Math.floor(random() * LEASE_MS) : Math.floor(r * 15));
  }
}

/** A server session ended by idle_in_transaction_session_timeout: node-postgres names no code for it. */
function endedByTheDatabase(e: unknown): boolean {
  const m = (e as Error).message ?? '';
  return /idle-in-transaction|connection error and is not queryable|Connection terminated/i.test(m);
}

interface Sample {
  holder: string | null;
  token: number;
  instance: string | null;
}

async function sampler(db: Database, running: () => boolean, samples: Sample[]): Promise<void> {
  while (running()) {
    const l = await readLease(db);
    samples.push({ holder: l.holder, token: l.token, instance: l.instance });
    await sleep(1);
  }
}

for (const makeFixture of ENGINES) {
  const fx = makeFixture();
  const server = fx.name === 'server';
  const CONTENDERS = server ? 12 : 5;
  const DURATION_MS = server ? 4_000 : 2_500;
  describe(`workflow lease under stress (${fx.name})`, () => {
    after(() => fx.cleanup());

    test(`${CONTENDERS} contenders for ${DURATION_MS / 1000} s: never two holders, every accepted write under the current token`, async () => {
      const seed = Number(process.env.SMGR_STRESS_SEED ?? Date.now() % 1_000_000);
      const url = await fx.newDatabaseUrl();
      const setupDb = await fx.open(url);
      await prepareGroup(setupDb, LEASE_MS);
      await setupDb.exec(`CREATE TABLE stress_writes (
          ord bigint PRIMARY KEY, contender text NOT NULL, token bigint NOT NULL, instance uuid NOT NULL,
          at timestamptz NOT NULL DEFAULT clock_timestamp(), lease_expires timestamptz NOT NULL)`);
      const names = Array.from({ length: CONTENDERS }, (_, i) => `c${String(i + 1).padStart(2, '0')}`);
      for (const n of names) await registerComputer(setupDb, n, 'management-server', 'secondary');
      const dbs = server ? await Promise.all(names.map(() => fx.open(url))) : names.map(() => setupDb);
      const s: LeaseSettings = {
        leaseMs: LEASE_MS,
        renewMs: 50,
        failover: 'automatic',
        graceMs: 0,
        fenceIdleMs: 100,
        lockTimeoutMs: 5_000,
      };
      const tally: Tally = {
        acquired: 0,
        renewed: 0,
        forced: 0,
        accepted: 0,
        refused: 0,
        ended: 0,
        errors: 0,
      };
      const samples: Sample[] = [];
      // At least DURATION_MS, and on until the race has shown what the checks below need (a busy
      // machine may starve every tenure for a while), within a deadline.
      const minUntil = Date.now() + DURATION_MS;
      const deadline = Date.now() + 20 * DURATION_MS;
      const raced = () =>
        tally.accepted >= 10 && tally.forced >= 1 && tally.refused >= 1 && tally.acquired >= 6;
      const running = () => Date.now() < minUntil || (!raced() && Date.now() < deadline);
      try {
        await Promise.all([
          sampler(setupDb, running, samples),
          ...names.map((n, i) => contender(dbs[i]!, n, running, rng(seed + i), s, tally)),
        ]);

        // 1. The sampler: the token never decreases; a token belongs to one holder process.
        const owner = new Map<number, Sample>();
        let last = 0;
        for (const x of samples) {
          assert.ok(x.token >= last, `token went back from ${last} to ${x.token} (seed ${seed})`);
          last = x.token;
          const o = owner.get(x.token);
          if (o?.instance && x.instance)
            assert.equal(x.instance, o.instance, `token ${x.token} had two holders (seed ${seed})`);
          if (!o || (!o.instance && x.instance)) owner.set(x.token, x);
          if (o) assert.equal(x.holder, o.holder, `token ${x.token} named two computers (seed ${seed})`);
        }

        // 2. The lease history: tokens only grow; no tenure began before the previous one expired, unless forced.
        const events = (
          await setupDb.query<{
            id: number;
            token: number;
            instance: string | null;
            event: string;
            at: Date;
            previous_token: number | null;
            previous_expires_at: Date | null;
          }>('SELECT * FROM workflow_lease_history ORDER BY id')
        ).rows;
        let prevToken = 0;
        for (const e of events) {
          if (e.event === 'claim') assert.equal(e.token, prevToken, 'a claim keeps the token');
          else if (e.event !== 'release')
            assert.ok(e.token > prevToken, `token ${e.token} after ${prevToken}`);
          prevToken = e.token;
          if (['failover', 'reclaim', 'promote'].includes(e.event) && e.previous_expires_at) {
            assert.ok(
              e.previous_expires_at <= e.at,
              `${e.event} to token ${e.token} at ${e.at.toISOString()} before token ${e.previous_token} expired at ${e.previous_expires_at.toISOString()} (seed ${seed})`,
            );
          }
        }

        // 3. Every accepted write: under the token current at its commit, by its holder, before its expiry.
        const writes = (
          await setupDb.query<{
            ord: number;
            token: number;
            instance: string;
            at: Date;
            lease_expires: Date;
          }>('SELECT ord, token, instance, at, lease_expires FROM stress_writes ORDER BY ord')
        ).rows;
        const firstOf = new Map<number, number>();
        const instanceOf = new Map<number, string>();
        for (const e of events) {
          if (!firstOf.has(e.token)) firstOf.set(e.token, e.id);
          if (e.instance && e.event !== 'release') instanceOf.set(e.token, e.instance);
        }
        const tokens = [...firstOf.keys()].sort((a, b) => a - b);
        for (const w of writes) {
          const start = firstOf.get(w.token);
          assert.ok(start !== undefined && start < w.ord, `write ${w.ord} before its token ${w.token} began`);
          const next = tokens.find((t) => t > w.token);
          if (next !== undefined) {
            assert.ok(
              w.ord < firstOf.get(next)!,
              `write ${w.ord} with token ${w.token} after token ${next} (seed ${seed})`,
            );
          }
          assert.equal(
            w.instance,
            instanceOf.get(w.token),
            `write ${w.ord} by a process that did not hold ${w.token}`,
          );
          assert.ok(w.at < w.lease_expires, `write ${w.ord} after its tenure expired`);
        }
        assert.equal(writes.length, tally.accepted, 'every write reported accepted is in the database');

        // The run really raced.
        const changes = events.filter((e) => e.event !== 'claim' && e.event !== 'release').length;
        const summary = { seed, contenders: CONTENDERS, samples: samples.length, changes, ...tally };
        process.stdout.write(`# lease stress (${fx.name}): ${JSON.stringify(summary)}\n`);
        assert.equal(tally.errors, 0, 'no unexpected errors');
        assert.ok(changes >= 5, `the lease changed hands ${changes} times`);
        assert.ok(tally.forced >= 1, 'some takeovers were forced');
        assert.ok(tally.refused >= 1, 'some writes were fenced off');
        assert.ok(tally.accepted >= 10, `${tally.accepted} writes were accepted`);
      } finally {
        if (server) for (const d of dbs) await d.close();
        await setupDb.close();
      }
    });
  });
}
