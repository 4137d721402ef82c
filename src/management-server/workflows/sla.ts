/**
 * SLA: every open incident (active or pending) with a priority gets its
 * resolution target, resolve_by = created_at + the target of its priority
 * (recomputed when the priority or the targets change, until it breaches);
 * an open incident whose resolve_by has passed, by the database clock, is
 * marked breached (breached_at) and a `work-item.sla-breached` notification
 * is queued in the same fenced transaction.
 *
 * Idempotent: each statement touches only rows that still need it
 * (breached_at IS NULL), in batches; a crash between batches leaves whole
 * batches done and the rest for the next run. A breach is marked, and
 * notified, exactly once.
 */
import { add, type Workflow } from './workflow.js';

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

export function slaWorkflow(s: SlaSettings): Workflow {
  const h = s.resolveWithinHours;
  const targets = [h[1] * 3600, h[2] * 3600, h[3] * 3600, h[4] * 3600];
  return {
    name: 'sla',
    intervalMs: s.intervalMs,
    async run(ctx) {
      add(ctx.counts, 'targetsSet', 0);
      add(ctx.counts, 'breached', 0);
      for (;;) {
        const n = await ctx.fenced(
          async (tx) => (await tx.query(SET_TARGETS, [...targets, s.batchSize])).rowCount,
        );
        add(ctx.counts, 'targetsSet', n);
        if (n < s.batchSize || ctx.signal.aborted) break;
      }
      for (;;) {
        const n = await ctx.fenced(async (tx) => (await tx.query(MARK_BREACHED, [s.batchSize])).rowCount);
        add(ctx.counts, 'breached', n);
        if (n < s.batchSize || ctx.signal.aborted) break;
      }
    },
  };
}
