/**
 * Outbox: notifications queued by work-item changes (in the same
 * transaction as the change, notifications.ts) are handed to the sender in
 * id order, a batch at a time, then marked delivered in a fenced transaction
 * (delivered_at, delivered_by, delivered_token; only rows still undelivered).
 *
 * Idempotent and resumable: a notification is marked delivered once; one
 * sent but not yet marked when the server crashed or lost the lease is sent
 * again by the next run (at least once, see notification-sender.ts). A
 * failing sender fails the run and leaves the batch undelivered, its
 * attempts counted, for the next run.
 */
import type { Notification, NotificationSender } from './notification-sender.js';
import { add, type Workflow } from './workflow.js';

export interface OutboxSettings {
  intervalMs: number;
  batchSize: number;
}

interface NotificationRow extends Record<string, unknown> {
  id: number;
  work_item_id: number;
  event: string;
  payload: Record<string, unknown>;
  created_at: Date;
}

export function outboxWorkflow(s: OutboxSettings, sender: NotificationSender): Workflow {
  return {
    name: 'outbox',
    intervalMs: s.intervalMs,
    async run(ctx) {
      add(ctx.counts, 'delivered', 0);
      for (;;) {
        const r = await ctx.db.query<NotificationRow>(
          `SELECT id, work_item_id, event, payload, created_at FROM notifications
            WHERE delivered_at IS NULL ORDER BY id LIMIT $1`,
          [s.batchSize],
        );
        if (r.rows.length === 0) break;
        const batch: Notification[] = r.rows.map((n) => ({
          id: n.id,
          workItemId: n.work_item_id,
          event: n.event,
          payload: n.payload,
          createdAt: n.created_at.toISOString(),
        }));
        const ids = batch.map((n) => n.id);
        try {
          await sender.send(batch, { holder: ctx.tenure.holder, token: ctx.tenure.token });
        } catch (e) {
          await ctx.fenced((tx) =>
            tx.query(
              `UPDATE notifications SET attempts = attempts + 1, last_error = 'the notification sender failed'
                WHERE id = ANY($1::bigint[]) AND delivered_at IS NULL`,
              [ids],
            ),
          );
          add(ctx.counts, 'failed', ids.length);
          throw e;
        }
        const marked = await ctx.fenced(
          async (tx) =>
            (
              await tx.query(
                `UPDATE notifications
                    SET delivered_at = clock_timestamp(), delivered_by = $2, delivered_token = $3,
                        attempts = attempts + 1
                  WHERE id = ANY($1::bigint[]) AND delivered_at IS NULL`,
                [ids, ctx.tenure.holder, ctx.tenure.token],
              )
            ).rowCount,
        );
        add(ctx.counts, 'delivered', marked);
        if (r.rows.length < s.batchSize || ctx.signal.aborted) break;
      }
    },
  };
}
