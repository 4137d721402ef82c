/**
 * Grooming on both engines: what it deletes (closed work items, delivered
 * notifications, expired tokens, day-old sign-in counts that block nothing),
 * in batches, idempotently, and where a lost lease stops it.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ENGINES } from '../../../test/support/engines.js';
import { FAST } from '../../../test/support/lease.js';
import { ids, insertItem, openClaimedGroup, schedulerFor } from '../../../test/support/workflows.js';
import type { Transaction } from '../../db/database.js';
import { fenced } from '../../management-group/fence.js';
import { promote } from '../../management-group/promote.js';
import { groomingWorkflow } from './grooming.js';
import { summarizeRuns } from './run-history.js';

const settings = { intervalMs: 60_000, retentionDays: 30, batchSize: 2 };

for (const makeFixture of ENGINES) {
  const fx = makeFixture();
  describe(`grooming workflow (${fx.name})`, () => {
    after(() => fx.cleanup());

    test('deletes closed items older than the retention, in batches, with their history; nothing else', async () => {
      const { db, tenure } = await openClaimedGroup(fx);
      try {
        const old: number[] = [];
        for (let i = 0; i < 5; i++) old.push(await insertItem(db, { status: 'closed', createdDaysAgo: 40 }));
        await db.query(`INSERT INTO work_item_history (work_item_id, actor, change) VALUES ($1, 'a', '{}')`, [
          old[0],
        ]);
        const keep = [
          await insertItem(db, { status: 'closed', createdDaysAgo: 40, updatedDaysAgo: 10 }),
          await insertItem(db, { status: 'resolved', createdDaysAgo: 100 }),
          await insertItem(db, { status: 'active', createdDaysAgo: 100 }),
        ];
        await db.query(
          `INSERT INTO notifications (work_item_id, event, payload, delivered_at)
           VALUES (1, 'e', '{}', now() - interval '31 days'), (1, 'e', '{}', NULL), (1, 'e', '{}', now())`,
        );
        await db.query(`INSERT INTO users (username, password_hash, role) VALUES ('u', 'x', 'end-user')`);
        await db.query(
          `INSERT INTO api_tokens (token_hash, user_id, expires_at)
             SELECT decode(md5(n::text), 'hex'), (SELECT id FROM users WHERE username = 'u'),
                    now() + make_interval(hours => n) - interval '150 minutes'
               FROM generate_series(1, 5) n`,
        );
        await db.query(
          `INSERT INTO sign_in_throttle (scope, key, failures, last_failure_at, blocked_until) VALUES
             ('user', 'old', 3, now() - interval '2 days', NULL),
             ('user', 'old-blocked', 9, now() - interval '2 days', now() + interval '1 hour'),
             ('address', 'recent', 1, now() - interval '1 hour', NULL)`,
        );
        await schedulerFor(db, () => tenure, [groomingWorkflow(settings)]).runDue();
        assert.deepEqual(await ids(db, 'SELECT id FROM work_items ORDER BY id'), keep);
        assert.equal((await db.query('SELECT 1 FROM api_tokens WHERE expires_at > now()')).rowCount, 3);
        assert.equal((await db.query('SELECT 1 FROM api_tokens')).rowCount, 3);
        assert.deepEqual(
          (await db.query<{ key: string }>('SELECT key FROM sign_in_throttle ORDER BY key')).rows.map(
            (r) => r.key,
          ),
          ['old-blocked', 'recent'],
        );
        assert.equal((await db.query('SELECT 1 FROM work_item_history')).rowCount, 0);
        assert.equal((await db.query('SELECT 1 FROM notifications')).rowCount, 2);
        const [run] = await summarizeRuns(db);
        assert.equal(run!.last!.outcome, 'ok');
        assert.deepEqual(run!.last!.counts, {
          workItems: 5,
          notifications: 1,
          expiredTokens: 2,
          signInThrottles: 1,
          changes: 0,
        });
        assert.equal(run!.last!.token, tenure.token);

        // Idempotent: run again (due at once with a 0 interval): nothing more to delete.
        await schedulerFor(db, () => tenure, [groomingWorkflow({ ...settings, intervalMs: 1 })]).runDue();
        const again = await summarizeRuns(db);
        assert.equal(again[0]!.runs, 2);
        assert.deepEqual(again[0]!.last!.counts, {
          workItems: 0,
          notifications: 0,
          expiredTokens: 0,
          signInThrottles: 0,
          changes: 0,
        });
      } finally {
        await db.close();
      }
    });

    test('a lease lost between batches: the committed batch stays, the rest waits for the next holder', async () => {
      const { db, tenure } = await openClaimedGroup(fx);
      try {
        for (let i = 0; i < 5; i++) await insertItem(db, { status: 'closed', createdDaysAgo: 40 });
        const wf = groomingWorkflow(settings);
        let batches = 0;
        const counts: Record<string, number> = {};
        const ctx = {
          db,
          tenure,
          signal: new AbortController().signal,
          counts,
          fenced: async <T>(fn: (tx: Transaction) => Promise<T>) => {
            const r = await fenced(db, tenure, FAST.fenceIdleMs, fn);
            if (++batches === 1)
              await promote(db, { computer: 'ms02', force: true, actor: 't', settings: FAST });
            return r;
          },
        };
        await assert.rejects(wf.run(ctx), /no longer holds the workflow lease/);
        assert.equal(counts.workItems, 2);
        assert.equal((await db.query('SELECT 1 FROM work_items')).rowCount, 3);
      } finally {
        await db.close();
      }
    });
  });
}
