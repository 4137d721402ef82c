/**
 * Queues a notification for the outbox. Call it with the transaction that
 * makes the change, so the change and its notification commit together or
 * not at all (the transactional outbox). The payload holds the work item's
 * display id, class, title, status and priority, and the names of the
 * changed fields: nothing secret. A created or updated work item also
 * queues the notifications of the matching subscriptions of the management
 * packs (src/management-packs/subscriptions.ts).
 */
import type { Queryable } from '../../db/database.js';
import { enqueueSubscriptions } from '../../management-packs/subscriptions.js';
import type { WorkItem } from '../work-item-store.js';

export type NotificationEvent =
  | 'work-item.created'
  | 'work-item.updated'
  | 'work-item.commented'
  | 'work-item.approval-requested'
  | 'work-item.approval-answered';

export async function enqueueNotification(
  tx: Queryable,
  event: NotificationEvent,
  wi: WorkItem,
  fields: readonly string[] = [],
): Promise<void> {
  await tx.query('INSERT INTO notifications (work_item_id, event, payload) VALUES ($1, $2, $3)', [
    wi.id,
    event,
    JSON.stringify({
      displayId: wi.displayId,
      class: wi.class,
      title: wi.title,
      status: wi.status,
      priority: wi.priority,
      ...(fields.length ? { fields } : {}),
    }),
  ]);
  // Issue 10: the notification subscriptions of the management packs, in the same transaction.
  if (event === 'work-item.created' || event === 'work-item.updated') {
    await enqueueSubscriptions(tx, event === 'work-item.created' ? 'created' : 'updated', wi);
  }
}
