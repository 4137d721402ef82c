/** Appends to the audit log. Details are names and ids, never secrets. */
import type { Queryable } from '../db/database.js';

export async function audit(
  db: Queryable,
  actor: string,
  action: string,
  target: string | null,
  details: Record<string, unknown> = {},
): Promise<void> {
  await db.query('INSERT INTO audit_log (actor, action, target, details) VALUES ($1, $2, $3, $4)', [
    actor,
    action,
    target,
    JSON.stringify(details),
  ]);
}
