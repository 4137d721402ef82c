/** The management group row and its key id, read from the ServiceManager database. */
import type { Queryable } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';

export interface ManagementGroup {
  id: string;
  name: string;
  createdAt: Date;
  /** The key id of the management-group KEK. */
  keyId: string;
}

/** Reads the group; undefined when the database has no group (or no schema yet). */
export async function findManagementGroup(db: Queryable): Promise<ManagementGroup | undefined> {
  const exists = await db.query<{ present: boolean }>(
    `SELECT to_regclass('management_group') IS NOT NULL AS present`,
  );
  if (!exists.rows[0]?.present) return undefined;
  const r = await db.query<{ id: string; name: string; created_at: Date; key_id: string | null }>(
    `SELECT g.id, g.name, g.created_at,
            (SELECT key_id FROM key_records WHERE part = 'management-group' ORDER BY created_at LIMIT 1) AS key_id
       FROM management_group g`,
  );
  const row = r.rows[0];
  if (!row) return undefined;
  return { id: row.id, name: row.name, createdAt: row.created_at, keyId: row.key_id ?? '' };
}

export async function requireManagementGroup(
  db: Queryable & { displayUrl?: string },
): Promise<ManagementGroup> {
  const group = await findManagementGroup(db);
  if (!group) throw new SmgrError('DATABASE_NO_GROUP', { url: db.displayUrl ?? 'database' });
  return group;
}
