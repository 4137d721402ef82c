/**
 * Work item history: one row per create and per change, written in the same
 * transaction as the change itself, so a work item never exists without its
 * history (and a backup's snapshot never shows one half-written).
 */
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
