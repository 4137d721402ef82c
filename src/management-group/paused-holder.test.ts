/**
 * A paused holder (SIGSTOP past its expiry, then SIGCONT) cannot complete a
 * workflow write once another server took the lease — whether it was paused
 * inside a fenced transaction (holding the lease row FOR SHARE: the database
 * ends that transaction when it sits idle, and the takeover goes ahead) or
 * between two. Nor can it write when nobody took over but its lease expired.
 * The holder is a real process (test/support/lease-worker.ts) on a
 * PostgreSQL server.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { serverFixture } from '../../test/support/engines.js';
import { DEADLINE_MS } from '../../test/support/eventually.js';
import { FAST, openGroup, untilExpired } from '../../test/support/lease.js';
import type { Database } from '../db/database.js';
import { fenced } from './fence.js';
import { promote } from './promote.js';
import { claimLease } from './workflow-lease.js';

const WORKER = path.resolve('dist/test/support/lease-worker.js');
/** Ten times a loop of the worker, so it does not lapse on a loaded machine before it is paused. */
const LEASE_MS = 2_000;
const IDLE_MS = 400;

interface Worker {
  child: ChildProcess;
  lines: string[];
  waitFor(re: RegExp, ms?: number): Promise<string>;
  exited: Promise<number | null>;
}

function startWorker(url: string, name: string): Worker {
  const child = spawn(process.execPath, [WORKER], {
    env: {
      ...process.env,
      SMGR_WORKER_URL: url,
      SMGR_WORKER_NAME: name,
      SMGR_WORKER_LEASE_MS: String(LEASE_MS),
      SMGR_WORKER_IDLE_MS: String(IDLE_MS),
      SMGR_WORKER_PAUSE_MS: '150',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiters: Array<{ re: RegExp; resolve: (l: string) => void }> = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      for (const w of waiters.splice(0)) {
        if (w.re.test(line)) w.resolve(line);
        else waiters.push(w);
      }
    }
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    child,
    lines,
    exited,
    waitFor: (re, ms = DEADLINE_MS) =>
      new Promise<string>((resolve, reject) => {
        const seen = lines.find((l) => re.test(l));
        if (seen) return resolve(seen);
        const timer = setTimeout(() => reject(new Error(`no ${re} in:\n${lines.join('\n')}`)), ms);
        waiters.push({
          re,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
      }),
  };
}

async function prepare(db: Database): Promise<void> {
  await db.exec(
    'CREATE TABLE paused_writes (ord bigint PRIMARY KEY, n integer NOT NULL, token bigint NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())',
  );
}

/** The ids of the first lease event of each token (the serialisation order of lease changes). */
async function firstEventOf(db: Database, token: number): Promise<number> {
  const r = await db.query<{ id: number }>(
    'SELECT min(id) AS id FROM workflow_lease_history WHERE token = $1',
    [token],
  );
  return r.rows[0]!.id;
}

describe('a paused workflow server (server, SIGSTOP/SIGCONT)', () => {
  const fx = serverFixture();
  after(() => fx.cleanup());

  for (const where of ['inside a fenced transaction', 'between two fenced transactions'] as const) {
    test(`paused ${where} past its expiry: after a promotion it never completes a workflow write`, async () => {
      const { db, url } = await openGroup(fx, LEASE_MS);
      const w = startWorker(url, 'ms01');
      try {
        await prepare(db);
        const token = Number((await w.waitFor(/^HOLDER /)).split(' ')[1]);
        await w.waitFor(/^COMMITTED 2$/);
        const pausedAt = where === 'inside a fenced transaction' ? /^INSIDE 4$/ : /^COMMITTED 4$/;
        await w.waitFor(pausedAt);
        w.child.kill('SIGSTOP');
        await untilExpired(db); // the paused holder lets its lease expire

        // Not held up by the paused holder (which stays paused): a lock it kept would be LEASE_BUSY.
        const r = await promote(db, { computer: 'ms02', actor: 'promote@ms03', settings: FAST });
        assert.equal(r.fenced, false);
        const t2 = (await claimLease(db, 'ms02', randomUUID(), 60_000, FAST.lockTimeoutMs))!;
        await fenced(db, t2, FAST.fenceIdleMs, (tx) =>
          tx.query(
            `INSERT INTO paused_writes (ord, n, token)
             VALUES (nextval(pg_get_serial_sequence('workflow_lease_history', 'id')), 0, $1)`,
            [t2.token],
          ),
        );

        w.child.kill('SIGCONT');
        assert.equal(await w.exited, 0);
        const refused = w.lines.filter((l) => l.startsWith('REFUSED'));
        assert.equal(refused.length, 3, w.lines.join('\n'));
        assert.ok(w.lines.includes('LOST'), 'its renewal was refused');
        const next = where === 'inside a fenced transaction' ? 4 : 5;
        assert.match(
          refused[0]!,
          new RegExp(`^REFUSED ${next} `),
          'the write it was on, or the next one, failed',
        );

        const writes = await db.query<{ ord: number; n: number; token: number }>(
          'SELECT ord, n, token FROM paused_writes ORDER BY ord',
        );
        const takeover = await firstEventOf(db, t2.token);
        const old = writes.rows.filter((x) => x.token === token);
        assert.ok(old.length >= 2);
        for (const x of old)
          assert.ok(x.ord < takeover, `write ${x.n} of the paused holder after the takeover`);
        assert.deepEqual(
          old.map((x) => x.n),
          Array.from({ length: next - 1 }, (_, i) => i + 1),
          'exactly the writes it completed before the pause',
        );
        assert.deepEqual(
          writes.rows.filter((x) => x.token !== token).map((x) => [x.n, x.token]),
          [[0, t2.token]],
        );
      } finally {
        w.child.kill('SIGKILL');
        await db.close();
      }
    });
  }

  test('paused past its expiry with nobody taking over: its next write is refused all the same', async () => {
    const { db, url } = await openGroup(fx, LEASE_MS);
    const w = startWorker(url, 'ms01');
    try {
      await prepare(db);
      await w.waitFor(/^INSIDE 3$/);
      w.child.kill('SIGSTOP');
      await untilExpired(db);
      w.child.kill('SIGCONT');
      assert.equal(await w.exited, 0);
      assert.match(w.lines.find((l) => l.startsWith('REFUSED'))!, /^REFUSED 3 /);
      const late = await db.query('SELECT n FROM paused_writes WHERE n >= 3');
      assert.equal(late.rowCount, 0, 'nothing written after the lease expired');
    } finally {
      w.child.kill('SIGKILL');
      await db.close();
    }
  });
});
