/**
 * Grooming: deletes closed work items not changed for the retention period
 * (their history, comments and approvals go with them, ON DELETE CASCADE),
 * delivered notifications older than the retention period, expired API
 * tokens, sign-in failure counts a day old that block nothing, and
 * change feed rows older than the retention that the registered data
 * warehouse has acknowledged (migration v9; the groomed horizon moves with
 * each batch), in batches of one fenced transaction each.
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

/**
 * Migration v9: changes older than the retention that the registered DW has acknowledged (all of
 * them when no DW is registered; none while it acknowledged nothing), in position order; the
 * greatest position deleted raises the groomed horizon. Answers the rows deleted.
 */
const DELETE_CHANGES = `WITH gone AS (
  DELETE FROM changes WHERE (epoch, xid, id) IN (
    SELECT c.epoch, c.xid, c.id FROM changes c
     WHERE c.at < clock_timestamp() - make_interval(secs => $1::float8)
       AND NOT EXISTS (
         SELECT 1 FROM data_warehouse d
          WHERE d.acknowledged_epoch IS NULL
             OR (c.epoch, c.xid, c.id) > (d.acknowledged_epoch, d.acknowledged_xid, d.acknowledged_id))
     ORDER BY c.epoch, c.xid, c.id LIMIT $2)
  RETURNING epoch, xid, id),
top AS (SELECT epoch, xid, id FROM gone ORDER BY epoch DESC, xid DESC, id DESC LIMIT 1),
horizon AS (
  INSERT INTO changes_groomed (epoch, xid, id) SELECT epoch, xid, id FROM top
  ON CONFLICT (singleton) DO UPDATE SET epoch = EXCLUDED.epoch, xid = EXCLUDED.xid, id = EXCLUDED.id,
                                        groomed_at = now()
   WHERE (EXCLUDED.epoch, EXCLUDED.xid, EXCLUDED.id) > (changes_groomed.epoch, changes_groomed.xid, changes_groomed.id))
SELECT count(*)::int AS n FROM gone`;

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
      add(ctx.counts, 'changes', 0);
      for (;;) {
        const n = await ctx.fenced(
          async (tx) => (await tx.query<{ n: number }>(DELETE_CHANGES, [retentionS, s.batchSize])).rows[0]!.n,
        );
        add(ctx.counts, 'changes', n);
        if (n < s.batchSize || ctx.signal.aborted) break;
      }
    },
  };
}
