/**
 * The DW management group, read from DWStagingAndConfig: its id and unique
 * name, its key id, and the URLs of DWRepository and DWDataMart (recorded at
 * setup, so recovery needs only the staging database's URL). Read-only.
 */
import type { Queryable } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';

export interface DwGroup {
  id: string;
  name: string;
  keyId: string;
  repositoryDatabase: string;
  datamartDatabase: string;
  createdAt: Date;
}

/** The DW group; undefined when the database has none (or no schema yet). */
export async function findDwGroup(db: Queryable): Promise<DwGroup | undefined> {
  const exists = await db.query<{ present: boolean }>(
    `SELECT to_regclass('dw_group') IS NOT NULL AS present`,
  );
  if (!exists.rows[0]?.present) return undefined;
  const r = await db.query<{
    id: string;
    name: string;
    repository_database: string;
    datamart_database: string;
    created_at: Date;
    key_id: string | null;
  }>(
    `SELECT g.id, g.name, g.repository_database, g.datamart_database, g.created_at,
            (SELECT key_id FROM key_records ORDER BY created_at LIMIT 1) AS key_id
       FROM dw_group g`,
  );
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    id: row.id,
    name: row.name,
    keyId: row.key_id ?? '',
    repositoryDatabase: row.repository_database,
    datamartDatabase: row.datamart_database,
    createdAt: row.created_at,
  };
}

export async function requireDwGroup(db: Queryable & { displayUrl?: string }): Promise<DwGroup> {
  const g = await findDwGroup(db);
  if (!g) throw new SmgrError('DW_DATABASE_NO_GROUP', { url: db.displayUrl ?? 'database' });
  return g;
}
