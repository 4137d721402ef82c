/**
 * Grooming: deletes closed work items not changed for the retention period
 * (their history, comments and approvals go with them, ON DELETE CASCADE),
 * delivered notifications older than the retention period, expired API
 * tokens, and sign-in failure counts a day old that block nothing, in
 * batches of one fenced transaction each.
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

const DELETE_TOKENS = `DELETE FROM api_tokens WHERE token_hash IN (
  SELECT token_hash FROM api_tokens WHERE expires_at < clock_timestamp() AND $1::float8 >= 0 LIMIT $2)`;

/** A day: far longer than any sign-in window or block (sign-in-throttle.ts). */
const THROTTLE_DECAY_S = 86_400;

const DELETE_THROTTLES = `DELETE FROM sign_in_throttle WHERE (scope, key) IN (
  SELECT scope, key FROM sign_in_throttle
   WHERE last_failure_at < clock_timestamp() - make_interval(secs => ${THROTTLE_DECAY_S})
     AND (blocked_until IS NULL OR blocked_until < clock_timestamp()) AND $1::float8 >= 0
   LIMIT $2)`;

export function groomingWorkflow(s: GroomingSettings): Workflow {
  const retentionS = s.retentionDays * 86_400;
  return {
    name: 'grooming',
    intervalMs: s.intervalMs,
    async run(ctx) {
      for (const [sql, key] of [
        [DELETE_WORK_ITEMS, 'workItems'],
        [DELETE_NOTIFICATIONS, 'notifications'],
        [DELETE_TOKENS, 'expiredTokens'],
        [DELETE_THROTTLES, 'signInThrottles'],
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
