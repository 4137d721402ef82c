/** The SLA workflow on both engines: targets per priority, breaches marked and notified once. */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ENGINES } from '../../../test/support/engines.js';
import { insertItem, openClaimedGroup, schedulerFor } from '../../../test/support/workflows.js';
import { slaWorkflow } from './sla.js';

const settings = { intervalMs: 1, batchSize: 2, resolveWithinHours: { 1: 4, 2: 8, 3: 24, 4: 72 } as const };

for (const makeFixture of ENGINES) {
  const fx = makeFixture();
  describe(`SLA workflow (${fx.name})`, () => {
    after(() => fx.cleanup());

    test('sets targets per priority, marks open incidents past their target breached, notifies once', async () => {
      const { db, tenure } = await openClaimedGroup(fx);
      try {
        const late1 = await insertItem(db, { priority: 1, createdDaysAgo: 0.25 }); // 6 h > 4 h
        const late4 = await insertItem(db, { priority: 4, status: 'pending', createdDaysAgo: 4 }); // 96 h > 72 h
        const onTime = await insertItem(db, { priority: 3, createdDaysAgo: 0.5 }); // 12 h < 24 h
        const resolved = await insertItem(db, { priority: 1, status: 'resolved', createdDaysAgo: 2 });
        const request = await insertItem(db, { class: 'service-request', priority: 1, createdDaysAgo: 2 });
        const noPriority = await insertItem(db, { priority: null, createdDaysAgo: 20 });
        const run = () => schedulerFor(db, () => tenure, [slaWorkflow(settings)]).runDue();
        await run();
        const rows = await db.query<{ id: number; due_h: number | null; breached: boolean }>(
          `SELECT id, round(extract(epoch FROM resolve_by - created_at) / 3600)::int AS due_h,
                  breached_at IS NOT NULL AS breached
             FROM work_items ORDER BY id`,
        );
        assert.deepEqual(rows.rows, [
          { id: late1, due_h: 4, breached: true },
          { id: late4, due_h: 72, breached: true },
          { id: onTime, due_h: 24, breached: false },
          { id: resolved, due_h: null, breached: false },
          { id: request, due_h: null, breached: false },
          { id: noPriority, due_h: null, breached: false },
        ]);
        const notes = await db.query<{ work_item_id: number; event: string; payload: { priority: number } }>(
          'SELECT work_item_id, event, payload FROM notifications ORDER BY id',
        );
        assert.deepEqual(
          notes.rows.map((n) => [n.work_item_id, n.event, n.payload.priority]),
          [
            [late1, 'work-item.sla-breached', 1],
            [late4, 'work-item.sla-breached', 4],
          ],
        );
        const counts = await db.query<{ counts: Record<string, number> }>(
          `SELECT counts FROM workflow_runs WHERE workflow = 'sla' ORDER BY seq`,
        );
        assert.deepEqual(counts.rows[0]!.counts, { targetsSet: 3, breached: 2 });

        // Again: idempotent. Then a priority change moves the target, and breaches it.
        await run();
        assert.equal(
          (await db.query('SELECT 1 FROM notifications')).rowCount,
          2,
          'a breach is notified once',
        );
        await db.query('UPDATE work_items SET priority = 1 WHERE id = $1', [onTime]);
        await run();
        const moved = await db.query<{ breached: boolean }>(
          'SELECT breached_at IS NOT NULL AS breached FROM work_items WHERE id = $1',
          [onTime],
        );
        assert.equal(moved.rows[0]!.breached, true);
        const all = await db.query<{ counts: Record<string, number> }>(
          `SELECT counts FROM workflow_runs WHERE workflow = 'sla' ORDER BY seq`,
        );
        assert.deepEqual(
          all.rows.map((r) => r.counts),
          [
            { targetsSet: 3, breached: 2 },
            { targetsSet: 0, breached: 0 },
            { targetsSet: 1, breached: 1 },
          ],
        );
      } finally {
        await db.close();
      }
    });
  });
}
