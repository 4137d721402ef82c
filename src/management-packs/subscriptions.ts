/**
 * Notification subscriptions of the imported packs (docs/MANAGEMENT-PACKS.md
 * §2.6) in the workflow outbox: when a work item is created or updated, each
 * subscription of its class for that event whose criteria all match queues
 * one notification (event `work-item.subscription`) in the same transaction
 * as the change; the outbox workflow delivers it like every other
 * notification (on the workflow server only, marked in a fenced
 * transaction). The payload holds the subscription, the message with its
 * {{field}} placeholders filled, and the recipients' user names.
 */
import type { Queryable } from '../db/database.js';
import type { PackCriterion, PackSubscription } from './pack-schema.js';
import { activePacks } from './pack-store.js';

export const SUBSCRIPTION_EVENT = 'work-item.subscription';

export interface SubscribedItem {
  id: number;
  displayId: string;
  class: string;
  title: string;
  assignedTo: string | null;
  affectedUser: string | null;
  properties: Record<string, unknown>;
}

function fieldValue(item: SubscribedItem, field: string): unknown {
  return field.includes('.') ? item.properties[field] : (item as unknown as Record<string, unknown>)[field];
}

const comparable = (v: unknown): number | string | undefined => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string')
    return /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v)) ? Date.parse(v) : v;
  return undefined;
};

export function criterionMatches(item: SubscribedItem, c: PackCriterion): boolean {
  const v = fieldValue(item, c.field) ?? null;
  switch (c.operator) {
    case 'is-null':
      return v === null;
    case 'is-not-null':
      return v !== null;
    case 'eq':
      return v === c.value;
    case 'ne':
      return v !== c.value;
    case 'in':
      return Array.isArray(c.value) && c.value.includes(v);
    default: {
      const a = comparable(v);
      const b = comparable(c.value);
      if (a === undefined || b === undefined || typeof a !== typeof b) return false;
      return c.operator === 'lt'
        ? a < b
        : c.operator === 'le'
          ? a <= b
          : c.operator === 'gt'
            ? a > b
            : a >= b;
    }
  }
}

const fill = (text: string, item: SubscribedItem) =>
  text.replace(/\{\{\s*([A-Za-z0-9._-]+)\s*\}\}/g, (_m, field: string) =>
    String(fieldValue(item, field) ?? ''),
  );

function recipientsOf(s: PackSubscription, item: SubscribedItem): string[] {
  const names = s.recipients.map((r) =>
    r.kind === 'user' ? (r.user ?? null) : r.kind === 'assigned-to' ? item.assignedTo : item.affectedUser,
  );
  return [...new Set(names.filter((n): n is string => !!n))];
}

/** Queues the notifications of every matching subscription; answers how many. */
export async function enqueueSubscriptions(
  tx: Queryable,
  event: 'created' | 'updated',
  item: SubscribedItem,
): Promise<number> {
  let queued = 0;
  for (const p of await activePacks(tx)) {
    for (const s of p.notificationSubscriptions ?? []) {
      if (s.class !== item.class || s.event !== event) continue;
      if (!s.criteria.every((c) => criterionMatches(item, c))) continue;
      const recipients = recipientsOf(s, item);
      if (recipients.length === 0) continue;
      await tx.query('INSERT INTO notifications (work_item_id, event, payload) VALUES ($1, $2, $3)', [
        item.id,
        SUBSCRIPTION_EVENT,
        JSON.stringify({
          subscription: s.id,
          pack: p.id,
          displayId: item.displayId,
          class: item.class,
          subject: fill(s.message.subject, item),
          body: fill(s.message.body, item),
          recipients,
        }),
      ]);
      queued++;
    }
  }
  return queued;
}
