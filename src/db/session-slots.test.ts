/**
 * SessionSlots on a PostgreSQL server (the parallel restore's connections): tasks run on at most
 * `size` connections, each with the settings, one task at a time per connection; a failing task
 * fails alone; close() waits for what is queued and closes the connections; a session that cannot
 * be opened fails the queued tasks instead of leaving them waiting.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { serverFixture } from '../../test/support/engines.js';
import { eventually } from '../../test/support/eventually.js';
import type { Database } from './database.js';
import { SessionSlots } from './session-slots.js';

describe('session slots (server)', () => {
  const fx = serverFixture();
  let db: Database;
  before(async () => {
    db = await fx.open(await fx.newDatabaseUrl());
  });
  after(async () => {
    await db.close();
    await fx.cleanup();
  });

  test('at most `size` connections, each with the settings, one task at a time; a failure fails its task only', async () => {
    const slots = new SessionSlots(db, 2, { application_name: 'slots-test', work_mem: '7MB' });
    let running = 0;
    let most = 0;
    const task = async (i: number) =>
      slots.run(async (tx) => {
        running++;
        most = Math.max(most, running);
        try {
          if (i === 3) throw new Error('task 3 fails');
          const r = await tx.query<{ pid: number; mem: string; app: string }>(
            `SELECT pg_backend_pid() AS pid, current_setting('work_mem') AS mem,
                    current_setting('application_name') AS app, pg_sleep(0.01)`,
          );
          return r.rows[0]!;
        } finally {
          running--;
        }
      });
    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => task(i)));
    const failed = outcomes.filter((o) => o.status === 'rejected');
    assert.equal(failed.length, 1);
    assert.match(String((failed[0] as PromiseRejectedResult).reason), /task 3 fails/);
    const rows = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    assert.equal(rows.length, 11);
    assert.ok(rows.every((r) => r.mem === '7MB' && r.app === 'slots-test'));
    const pids = new Set(rows.map((r) => r.pid));
    assert.ok(pids.size >= 1 && pids.size <= 2, `${pids.size} connections`);
    assert.ok(most <= 2, `${most} tasks at once`);

    await slots.close();
    // The sessions' connections are closed, not handed back to the pool with their settings.
    await eventually('the sessions to be gone', async () => {
      const r = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ANY($1::int[])`,
        [[...pids]],
      );
      return r.rows[0]!.n === 0;
    });
    await assert.rejects(
      slots.run(async () => 1),
      /closed/,
    );
  });

  test('close() waits for the tasks already queued', async () => {
    const slots = new SessionSlots(db, 1, {});
    const done: number[] = [];
    const runs = [1, 2, 3].map((i) =>
      slots.run(async (tx) => {
        await tx.query('SELECT pg_sleep(0.01)');
        done.push(i);
      }),
    );
    await slots.close();
    assert.deepEqual(done, [1, 2, 3]);
    await Promise.all(runs);
  });

  test('a session that cannot be opened fails the queued tasks, never leaves them waiting', async () => {
    const unreachable = {
      session: () => Promise.reject(new Error('the server is unreachable')),
    } as unknown as Database;
    const slots = new SessionSlots(unreachable, 2, {});
    const outcomes = await Promise.allSettled([1, 2, 3].map(() => slots.run(async () => 1)));
    assert.ok(outcomes.every((o) => o.status === 'rejected' && /unreachable/.test(String(o.reason))));
    await slots.close();
  });
});
