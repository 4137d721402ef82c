/**
 * Work item history: one row per create, change, comment and approval step,
 * written in the same transaction as the change itself, so a work item never
 * exists without its history (and a backup's snapshot never shows one
 * half-written). A private comment's entry is left out of what end users
 * read.
 */
import { type Static, Type } from 'typebox';
import type { Queryable } from '../db/database.js';

export async function recordWorkItemHistory(
  tx: Queryable,
  workItemId: number,
  actor: string,
  change: Record<string, unknown>,
): Promise<void> {
  await tx.query('INSERT INTO work_item_history (work_item_id, actor, change) VALUES ($1, $2, $3::jsonb)', [
    workItemId,
    actor,
    JSON.stringify(change),
  ]);
}

export const HistoryEntrySchema = Type.Object(
  {
    id: Type.Integer(),
    at: Type.String({ format: 'date-time' }),
    actor: Type.String(),
    change: Type.Unsafe<Record<string, unknown>>({
      type: 'object',
      additionalProperties: true,
      description:
        'One of {created}, {changed}, {commented: {id, private}}, {approvalRequested: {id, approver}}, ' +
        '{approval: {id, decision}}.',
    }),
  },
  { $id: 'HistoryEntry', additionalProperties: false },
);

export type HistoryEntry = Static<typeof HistoryEntrySchema>;

export interface HistoryFilter {
  workItemId: number;
  /** false: leave out the entries of private comments (end users). */
  includePrivate: boolean;
  afterId: number;
  limit: number;
}

export async function listWorkItemHistory(db: Queryable, f: HistoryFilter): Promise<HistoryEntry[]> {
  const r = await db.query<{ id: number; at: Date; actor: string; change: Record<string, unknown> }>(
    `SELECT id, at, actor, change FROM work_item_history
      WHERE work_item_id = $1 AND id > $3::bigint
        AND ($2::boolean OR coalesce((change->'commented'->>'private')::boolean, false) = false)
      ORDER BY id
      LIMIT $4::int`,
    [f.workItemId, f.includePrivate, f.afterId, f.limit],
  );
  return r.rows.map((x) => ({ id: x.id, at: x.at.toISOString(), actor: x.actor, change: x.change }));
}
