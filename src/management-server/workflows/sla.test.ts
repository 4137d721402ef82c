/**
 * The SLA workflow on both engines: targets per priority, breaches marked and notified once; incidents
 * resolved before the workflow saw them open get their target (and breach mark) after the fact, unnotified.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ENGINES } from '../../../test/support/engines.js';
import { insertItem, openClaimedGroup, schedulerFor } from '../../../test/support/workflows.js';
import type { Database } from '../../db/database.js';
import { slaWorkflow } from './sla.js';

const settings = { intervalMs: 1, batchSize: 2, resolveWithinHours: { 1: 4, 2: 8, 3: 24, 4: 72 } as const };

/** A history entry `daysAgo` (as the API writes it: {created: body} or {changed: body}). */
async function history(db: Database, id: number, daysAgo: number, change: Record<string, unknown>) {
  await db.query(
    `INSERT INTO work_item_history (work_item_id, at, actor, change)
     VALUES ($1, now() - make_interval(secs => $2::float8 * 86400), 'analyst', $3::jsonb)`,
    [id, daysAgo, JSON.stringify(change)],
  );
}

/** Each item's target (hours after creation), breach mark (as hours after creation) and last change. */
async function slaRows(db: Database) {
  const r = await db.query<{ id: number; due_h: number | null; breach_h: number | null; updated: Date }>(
    `SELECT id, round(extract(epoch FROM resolve_by - created_at) / 3600)::int AS due_h,
            round(extract(epoch FROM breached_at - created_at) / 3600)::int AS breach_h, updated_at AS updated
       FROM work_items ORDER BY id`,
  );
  return r.rows;
}

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
          { id: resolved, due_h: 4, breached: false }, // resolved: its target after the fact; no history, no breach
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
        assert.deepEqual(counts.rows[0]!.counts, {
          targetsSet: 3,
          breached: 2,
          resolvedTargetsSet: 1,
          resolvedBreached: 0,
        });

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
            { targetsSet: 3, breached: 2, resolvedTargetsSet: 1, resolvedBreached: 0 },
            { targetsSet: 0, breached: 0, resolvedTargetsSet: 0, resolvedBreached: 0 },
            { targetsSet: 1, breached: 1, resolvedTargetsSet: 0, resolvedBreached: 0 },
          ],
        );
      } finally {
        await db.close();
      }
    });

    test('an incident resolved before the workflow saw it: its target after the fact, breached at it if resolved later, never notified', async () => {
      const { db, tenure } = await openClaimedGroup(fx);
      try {
        const fast = await insertItem(db, { priority: 2, status: 'resolved', createdDaysAgo: 1 });
        await history(db, fast, 1, { created: { class: 'incident', priority: 2 } });
        await history(db, fast, 0.99, { changed: { title: 'renamed' } });
        await history(db, fast, 0.9, { changed: { status: 'resolved' } }); // 2.4 h < 8 h
        // Resolved in time, closed after the target: the first entry into resolved or closed counts.
        const reclosed = await insertItem(db, { priority: 3, status: 'closed', createdDaysAgo: 2 });
        await history(db, reclosed, 1.9, { changed: { status: 'resolved' } }); // 2.4 h < 24 h
        await history(db, reclosed, 0.5, { changed: { status: 'closed' } });
        const late = await insertItem(db, { priority: 1, status: 'resolved', createdDaysAgo: 1 });
        await history(db, late, 0.5, { changed: { status: 'resolved' } }); // 12 h > 4 h
        const closedLate = await insertItem(db, { priority: 4, status: 'closed', createdDaysAgo: 5 });
        await history(db, closedLate, 1, { changed: { status: 'closed' } }); // 96 h > 72 h
        const createdResolved = await insertItem(db, { priority: 1, status: 'resolved', createdDaysAgo: 1 });
        await history(db, createdResolved, 1, { created: { priority: 1, status: 'resolved' } });
        const unknown = await insertItem(db, { priority: 1, status: 'resolved', createdDaysAgo: 3 });
        const open = await insertItem(db, { priority: 1, createdDaysAgo: 0.25 }); // 6 h > 4 h
        const request = await insertItem(db, { class: 'service-request', priority: 1, status: 'closed' });
        const noPriority = await insertItem(db, { priority: null, status: 'resolved', createdDaysAgo: 3 });
        const before = await slaRows(db);
        const run = () => schedulerFor(db, () => tenure, [slaWorkflow(settings)]).runDue();
        await run();
        const rows = await slaRows(db);
        assert.deepEqual(
          rows.map(({ id, due_h, breach_h }) => ({ id, due_h, breach_h })),
          [
            { id: fast, due_h: 8, breach_h: null },
            { id: reclosed, due_h: 24, breach_h: null },
            { id: late, due_h: 4, breach_h: 4 },
            { id: closedLate, due_h: 72, breach_h: 72 },
            { id: createdResolved, due_h: 4, breach_h: null },
            { id: unknown, due_h: 4, breach_h: null }, // no resolution in the history: no breach
            { id: open, due_h: 4, breach_h: 6 }, // open: marked when the workflow saw it late, as before
            { id: request, due_h: null, breach_h: null },
            { id: noPriority, due_h: null, breach_h: null },
          ],
        );
        const exact = await db.query<{ id: number }>(
          'SELECT id FROM work_items WHERE breached_at = resolve_by ORDER BY id',
        );
        assert.deepEqual(
          exact.rows.map((r) => r.id),
          [late, closedLate],
          'breached at the target, to the microsecond',
        );
        assert.deepEqual(
          rows.map((r) => r.updated.getTime()),
          before.map((r) => r.updated.getTime()),
          'updated_at untouched',
        );
        const notes = await db.query<{ work_item_id: number; event: string }>(
          'SELECT work_item_id, event FROM notifications ORDER BY id',
        );
        assert.deepEqual(
          notes.rows.map((n) => [n.work_item_id, n.event]),
          [[open, 'work-item.sla-breached']],
          'only the open incident is notified',
        );
        // The change feed carries each update, for the data warehouse's Extract.
        const feed = await db.query<{ id: number; resolve_by: string | null; breached_at: string | null }>(
          `SELECT entity_id::int AS id, data->>'resolve_by' AS resolve_by, data->>'breached_at' AS breached_at
             FROM changes WHERE kind = 'work-item' AND op = 'update' AND entity_id = ANY($1::bigint[])
            ORDER BY id`,
          [[fast, late]],
        );
        assert.equal(feed.rows.length, 2);
        assert.ok(feed.rows[0]!.resolve_by && feed.rows[0]!.breached_at === null);
        assert.ok(feed.rows[1]!.resolve_by && feed.rows[1]!.breached_at === feed.rows[1]!.resolve_by);

        // Again: idempotent, nothing changes, nothing is recorded.
        const changes = async () => (await db.query('SELECT 1 FROM changes')).rowCount;
        const fed = await changes();
        await run();
        assert.deepEqual(await slaRows(db), rows);
        assert.equal(await changes(), fed);
        assert.equal((await db.query('SELECT 1 FROM notifications')).rowCount, 1);
        const counts = await db.query<{ counts: Record<string, number> }>(
          `SELECT counts FROM workflow_runs WHERE workflow = 'sla' ORDER BY seq`,
        );
        assert.deepEqual(
          counts.rows.map((r) => r.counts),
          [
            { targetsSet: 1, breached: 1, resolvedTargetsSet: 6, resolvedBreached: 2 },
            { targetsSet: 0, breached: 0, resolvedTargetsSet: 0, resolvedBreached: 0 },
          ],
        );
      } finally {
        await db.close();
      }
    });
  });
}
