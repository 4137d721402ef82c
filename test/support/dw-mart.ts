/**
 * The data warehouse's ETL databases as tests compare them: every table's
 * rows in a total order (the whole row's text), without what changes with
 * the clock of a run rather than with the data (the watermarks' updated_at,
 * the schema's applied_at, synced packs' timestamps).
 */
import type { Queryable } from '../../src/db/database.js';
import { openDatabase } from '../../src/db/open-database.js';

const CLOCK_COLUMNS: Record<string, readonly string[]> = {
  watermarks: ['updated_at'],
  smgr_schema: ['applied_at'],
};

export async function dumpDw(
  db: Queryable,
  skipTables: readonly string[] = [],
): Promise<Record<string, unknown[]>> {
  const tables = await db.query<{ t: string }>(
    `SELECT tablename AS t FROM pg_catalog.pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
  );
  const out: Record<string, unknown[]> = {};
  for (const { t } of tables.rows) {
    if (skipTables.includes(t)) continue;
    const r = await db.query(`SELECT * FROM "${t}" x ORDER BY x::text`);
    for (const c of CLOCK_COLUMNS[t] ?? []) for (const row of r.rows) delete row[c];
    out[t] = r.rows.map((row) => JSON.parse(JSON.stringify(row)));
  }
  return out;
}

export async function dumpDwAt(
  url: string,
  skipTables: readonly string[] = [],
): Promise<Record<string, unknown[]>> {
  const db = await openDatabase(url);
  try {
    return await dumpDw(db, skipTables);
  } finally {
    await db.close();
  }
}
