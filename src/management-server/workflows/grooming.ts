/**
 * Grooming: deletes closed work items not changed for the retention period
 * (their history goes with them, ON DELETE CASCADE), and delivered
 * notifications older than the retention period, in batches of one fenced
 * transaction each.
 *
 * Idempotent: it deletes what is old enough and nothing else. A crash (or a
 * lost lease) between batches leaves whole batches deleted and the rest for
 * the next run.
 */
import { add, type Workflow } from './workflow.js';

export interface GroomingSettings {
  intervalMs: number;
  retentionDays: number;
  batchSize: number;
}

const DELETE_WORK_ITEMS = `DELETE FROM work_items WHERE id IN (
  SELECT id FROM work_items
   WHERE status = 'closed' AND updated_at < clock_timestamp() - make_interval(secs => $1::float8)
   ORDER BY id LIMIT $2)`;

const DELETE_NOTIFICATIONS = `DELETE FROM notifications WHERE id IN (
  SELECT id FROM notifications
   WHERE delivered_at IS NOT NULL AND delivered_at < clock_timestamp() - make_interval(secs => $1::float8)
   ORDER BY id LIMIT $2)`;

export function groomingWorkflow(s: GroomingSettings): Workflow {
  const retentionS = s.retentionDays * 86_400;
  return {
    name: 'grooming',
    intervalMs: s.intervalMs,
    async run(ctx) {
      for (const [sql, key] of [
        [DELETE_WORK_ITEMS, 'workItems'],
        [DELETE_NOTIFICATIONS, 'notifications'],
      ] as const) {
        add(ctx.counts, key, 0);
        for (;;) {
          const n = await ctx.fenced(async (tx) => (await tx.query(sql, [retentionS, s.batchSize])).rowCount);
          add(ctx.counts, key, n);
          if (n < s.batchSize || ctx.signal.aborted) break;
        }
      }
    },
  };
}
