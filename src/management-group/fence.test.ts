/**
 * Fenced writes: accepted with the current token, refused (nothing written)
 * with an old or expired one; on a server, a change of the lease waits for a
 * fenced transaction in flight, and one left idle is ended by the database.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { ENGINES } from '../../test/support/engines.js';
import { DEADLINE_MS, eventually, withDeadline } from '../../test/support/eventually.js';
import { FAST, lapse, openGroup } from '../../test/support/lease.js';
import type { Database } from '../db/database.js';
import { isSmgrError } from '../errors/smgr-error.js';
import { fenced } from './fence.js';
import { promote } from './promote.js';
import { claimLease, type Tenure } from './workflow-lease.js';

/** A takeover that waits for the row lock as long as it takes (the tests wait on conditions, not clocks). */
const PATIENT = { ...FAST, lockTimeoutMs: DEADLINE_MS };

const lost = (e: unknown) => isSmgrError(e) && e.code === 'LEASE_LOST';

async function writes(db: Database): Promise<string[]> {
  const r = await db.query<{ what: string }>(
    `SELECT target AS what FROM audit_log WHERE action = 'fenced-test' ORDER BY id`,
  );
  return r.rows.map((x) => x.what);
}

const write = (db: Database, t: Tenure, what: string, idleMs = FAST.fenceIdleMs) =>
  fenced(db, t, idleMs, async (tx) => {
    await tx.query(`INSERT INTO audit_log (actor, action, target) VALUES ('test', 'fenced-test', $1)`, [
      what,
    ]);
  });

for (const makeFixture of ENGINES) {
  const fx = makeFixture();
  describe(`fenced writes (${fx.name})`, () => {
    after(() => fx.cleanup());

    test('accepted with the current token; refused after a forced promote and after expiry', async () => {
      const { db } = await openGroup(fx, 60_000);
      try {
        const t = (await claimLease(db, 'ms01', randomUUID(), 60_000, FAST.lockTimeoutMs))!;
        await write(db, t, 'one');
        await promote(db, { computer: 'ms02', force: true, actor: 'test', settings: FAST });
        await assert.rejects(write(db, t, 'two'), lost);
        assert.deepEqual(await writes(db), ['one']);

        const t2 = (await claimLease(db, 'ms02', randomUUID(), 60_000, FAST.lockTimeoutMs))!;
        await write(db, t2, 'three');
        await lapse(db, t2);
        await assert.rejects(write(db, t2, 'four'), lost, 'an expired tenure writes nothing');
        assert.deepEqual(await writes(db), ['one', 'three']);
      } finally {
        await db.close();
      }
    });

    if (fx.name === 'server') {
      test('a change of the lease waits for a fenced transaction in flight, which commits first', async () => {
        const { db } = await openGroup(fx, 60_000);
        try {
          const t = (await claimLease(db, 'ms01', randomUUID(), 60_000, FAST.lockTimeoutMs))!;
          let release!: () => void;
          const gate = new Promise<void>((r) => {
            release = r;
          });
          let checked!: () => void;
          const inside = new Promise<void>((r) => {
            checked = r;
          });
          const inFlight = fenced(db, t, 5_000, async (tx) => {
            checked();
            await gate;
            await tx.query(
              `INSERT INTO audit_log (actor, action, target) VALUES ('t', 'fenced-test', 'late')`,
            );
          });
          await inside;
          let promoted = false;
          const p = promote(db, { computer: 'ms02', force: true, actor: 'test', settings: PATIENT }).then(
            (r) => {
              promoted = true;
              return r;
            },
          );
          await eventually('the takeover to wait for the row lock', async () => {
            const r = await db.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock'`,
            );
            return r.rows[0]!.n > 0;
          });
          assert.equal(promoted, false, 'the takeover waits for the fenced transaction');
          release();
          await inFlight;
          const r = await p;
          assert.equal(r.fenced, true);
          const order = await db.query<{ kind: string }>(
            `SELECT kind FROM (
               SELECT 'write' AS kind, at FROM audit_log WHERE action = 'fenced-test'
               UNION ALL SELECT 'promote', at FROM workflow_lease_history WHERE event = 'promote-forced') x
             ORDER BY at`,
          );
          assert.deepEqual(
            order.rows.map((x) => x.kind),
            ['write', 'promote'],
          );
          await assert.rejects(write(db, t, 'after'), lost);
        } finally {
          await db.close();
        }
      });

      test('a fenced transaction left idle is ended by the database; a forced takeover goes ahead', async () => {
        const { db } = await openGroup(fx, 60_000);
        try {
          const t = (await claimLease(db, 'ms01', randomUUID(), 60_000, FAST.lockTimeoutMs))!;
          let checked!: () => void;
          const inside = new Promise<void>((r) => {
            checked = r;
          });
          let wake!: () => void;
          const paused = new Promise<void>((r) => {
            wake = r;
          });
          const stalled = fenced(db, t, 300, async (tx) => {
            checked();
            await paused; // "paused" past the idle timeout, holding the lease row FOR SHARE
            await tx.query(
              `INSERT INTO audit_log (actor, action, target) VALUES ('t', 'fenced-test', 'stalled')`,
            );
          });
          const outcome = stalled.then(
            () => 'committed',
            () => 'refused',
          );
          await inside;
          // It goes ahead while the holder is still paused: the database ended the idle transaction.
          const r = await withDeadline(
            'the takeover, which waits for the paused transaction',
            promote(db, { computer: 'ms02', force: true, actor: 'test', settings: PATIENT }),
          );
          wake();
          assert.equal(r.holder, 'ms02');
          assert.equal(await outcome, 'refused');
          assert.deepEqual(await writes(db), []);
        } finally {
          await db.close();
        }
      });
    }
  });
}
