/**
 * SLA: every open incident (active or pending) with a priority gets its
 * resolution target, resolve_by = created_at + the target of its priority
 * (recomputed when the priority or the targets change, until it breaches);
 * an open incident whose resolve_by has passed, by the database clock, is
 * marked breached (breached_at) and a `work-item.sla-breached` notification
 * is queued in the same fenced transaction.
 *
 * An incident resolved or closed before this workflow saw it open (priority
 * 1-4, no resolve_by) gets its target after the fact, once: resolve_by =
 * created_at + the target of its priority (never recomputed); if it was
 * resolved later than that, it is marked breached at the moment it breached,
 * breached_at = resolve_by. Its resolution is the first entry of its
 * work_item_history into resolved or closed (`{created}` or `{changed}` with
 * that status); with no such entry the resolution is unknown and no breach
 * is marked. No notification is queued for these: the incident is already
 * resolved, there is no one left to warn. These updates go through the
 * change feed (the work_items trigger) like any other, so the data
 * warehouse reads each outcome from the target and the breach mark.
 *
 * Idempotent: each statement touches only rows that still need it
 * (breached_at IS NULL; resolve_by IS NULL for the resolved ones), in
 * batches of one fenced transaction each; a crash between batches leaves
 * whole batches done and the rest for the next run. A breach is marked, and
 * an open incident's notified, exactly once.
 */
import type { Transaction } from '../../db/database.js';
import { add, type Workflow, type WorkflowContext } from './workflow.js';

export interface SlaSettings {
  intervalMs: number;
  batchSize: number;
  resolveWithinHours: Record<1 | 2 | 3 | 4, number>;
}

const OPEN_INCIDENT = `class = 'incident' AND status IN ('active', 'pending') AND breached_at IS NULL`;
const TARGET = `created_at + make_interval(secs => CASE priority
  WHEN 1 THEN $1::float8 WHEN 2 THEN $2::float8 WHEN 3 THEN $3::float8 WHEN 4 THEN $4::float8 END)`;

const SET_TARGETS = `WITH todo AS (
    SELECT id, ${TARGET} AS due FROM work_items
     WHERE ${OPEN_INCIDENT} AND priority BETWEEN 1 AND 4 AND resolve_by IS DISTINCT FROM ${TARGET}
     ORDER BY id LIMIT $5)
  UPDATE work_items w SET resolve_by = todo.due FROM todo WHERE w.id = todo.id`;

const MARK_BREACHED = `WITH todo AS (
    SELECT id FROM work_items WHERE ${OPEN_INCIDENT} AND resolve_by < clock_timestamp() ORDER BY id LIMIT $1),
  breached AS (
    UPDATE work_items w SET breached_at = clock_timestamp() FROM todo WHERE w.id = todo.id
    RETURNING w.id, w.display_id, w.title, w.priority, w.status, w.resolve_by)
  INSERT INTO notifications (work_item_id, event, payload)
  SELECT id, 'work-item.sla-breached',
         jsonb_build_object('displayId', display_id, 'title', title, 'priority', priority, 'status', status,
                            'resolveBy', resolve_by)
    FROM breached`;

/** The first history entry into resolved or closed: created so, or changed to it. */
const RESOLVED_AT = `(SELECT h.at FROM work_item_history h
   WHERE h.work_item_id = w.id
     AND coalesce(h.change->'changed'->>'status', h.change->'created'->>'status') IN ('resolved', 'closed')
   ORDER BY h.id LIMIT 1)`;

const SET_RESOLVED_TARGETS = `WITH todo AS (
    SELECT w.id, ${TARGET} AS due, ${RESOLVED_AT} AS resolved_at FROM work_items w
     WHERE w.class = 'incident' AND w.status IN ('resolved', 'closed') AND w.priority BETWEEN 1 AND 4
       AND w.resolve_by IS NULL AND w.breached_at IS NULL
     ORDER BY w.id LIMIT $5),
  done AS (
    UPDATE work_items w SET resolve_by = todo.due,
           breached_at = CASE WHEN todo.resolved_at > todo.due THEN todo.due END
      FROM todo WHERE w.id = todo.id RETURNING w.breached_at)
  SELECT count(*)::int AS n, count(breached_at)::int AS breached FROM done`;

/** What one batch did: the rows it took (a short batch is the last), and the counts to add. */
interface Batch {
  rows: number;
  counts: Record<string, number>;
}

/** Runs `batch`, one fenced transaction each, until a batch is short or the server stops. */
async function inBatches(ctx: WorkflowContext, size: number, batch: (tx: Transaction) => Promise<Batch>) {
  for (;;) {
    const done = await ctx.fenced(batch);
    for (const [key, n] of Object.entries(done.counts)) add(ctx.counts, key, n);
    if (done.rows < size || ctx.signal.aborted) break;
  }
}

export function slaWorkflow(s: SlaSettings): Workflow {
  const h = s.resolveWithinHours;
  const targets = [h[1] * 3600, h[2] * 3600, h[3] * 3600, h[4] * 3600];
  const counted = (key: string, rows: number): Batch => ({ rows, counts: { [key]: rows } });
  return {
    name: 'sla',
    intervalMs: s.intervalMs,
    async run(ctx) {
      for (const key of ['targetsSet', 'breached', 'resolvedTargetsSet', 'resolvedBreached'])
        add(ctx.counts, key, 0);
      await inBatches(ctx, s.batchSize, async (tx) =>
        counted('targetsSet', (await tx.query(SET_TARGETS, [...targets, s.batchSize])).rowCount),
      );
      await inBatches(ctx, s.batchSize, async (tx) =>
        counted('breached', (await tx.query(MARK_BREACHED, [s.batchSize])).rowCount),
      );
      await inBatches(ctx, s.batchSize, async (tx) => {
        const r = await tx.query<{ n: number; breached: number }>(SET_RESOLVED_TARGETS, [
          ...targets,
          s.batchSize,
        ]);
        const { n, breached } = r.rows[0]!;
        return { rows: n, counts: { resolvedTargetsSet: n, resolvedBreached: breached } };
      });
    },
  };
}
