/**
 * Versioned migrations, one list per logical database (ServiceManager, and
 * later the DW databases). Each database records its own schema version in
 * `smgr_schema` (one row per applied migration). Each migration runs in its
 * own transaction: a crash leaves the database at the last whole version.
 * A database newer than this smgr is refused, never downgraded.
 */

import { SmgrError } from '../errors/smgr-error.js';
import type { Database, Queryable, Transaction } from './database.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export interface MigrationSet {
  database: string;
  migrations: readonly Migration[];
}

export const latestVersion = (set: MigrationSet): number => set.migrations.at(-1)?.version ?? 0;

const CREATE_SCHEMA_TABLE = `CREATE TABLE IF NOT EXISTS smgr_schema (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** The schema version recorded in the database; 0 when it has none. */
export async function schemaVersion(db: Queryable): Promise<number> {
  const exists = await db.query<{ present: boolean }>(
    `SELECT to_regclass('smgr_schema') IS NOT NULL AS present`,
  );
  if (!exists.rows[0]?.present) return 0;
  const r = await db.query<{ v: number | null }>('SELECT max(version) AS v FROM smgr_schema');
  return r.rows[0]?.v ?? 0;
}

/**
 * Applies every migration not yet recorded, up to `target` (default: latest). A version below the recorded
 * one that was never applied is applied too: version numbers are reserved per feature (v5 packs, v6 data
 * warehouse, v7 portal, v8 recovery) and may land out of order; applyMigration skips what is recorded.
 */
export async function migrate(db: Database, set: MigrationSet, target = latestVersion(set)): Promise<number> {
  const current = await schemaVersion(db);
  const known = latestVersion(set);
  if (current > known) {
    throw new SmgrError('SCHEMA_TOO_NEW', { database: set.database, found: current, known });
  }
  const recorded = new Set(
    current === 0
      ? []
      : (await db.query<{ version: number }>('SELECT version FROM smgr_schema')).rows.map((r) => r.version),
  );
  for (const m of set.migrations) {
    if (recorded.has(m.version) || m.version > target) continue;
    await db.transaction((tx) => applyMigration(tx, m));
  }
  return schemaVersion(db);
}

/**
 * Applies every pending migration inside the caller's transaction, so that
 * setup creates the schema and the group's first rows all-or-nothing.
 */
export async function migrateInTransaction(
  tx: Transaction,
  set: MigrationSet,
  target = latestVersion(set),
): Promise<void> {
  for (const m of set.migrations) if (m.version <= target) await applyMigration(tx, m);
}

async function applyMigration(tx: Transaction, m: Migration): Promise<void> {
  // Two processes migrating one server database: the second waits, then skips.
  await tx.lock('migrate');
  await tx.query(CREATE_SCHEMA_TABLE);
  const done = await tx.query('SELECT 1 FROM smgr_schema WHERE version = $1', [m.version]);
  if (done.rowCount > 0) return;
  await tx.exec(m.sql);
  await tx.query('INSERT INTO smgr_schema (version, name) VALUES ($1, $2)', [m.version, m.name]);
}

/** True when the database has no tables of its own in the public schema. */
export async function isEmptyDatabase(db: Queryable): Promise<boolean> {
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_catalog.pg_tables WHERE schemaname = 'public'`,
  );
  return (r.rows[0]?.n ?? 0) === 0;
}
