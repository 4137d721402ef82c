/**
 * Fresh planner statistics for the tables a DW job writes in bulk. The
 * Transform and Load jobs look rows up by entity id (`= ANY` of a batch's
 * ids, joins on positions); without statistics (a table filled faster than
 * autovacuum analyzes it, or a server with autovacuum off) PostgreSQL's
 * default estimates make those lookups scans of the whole table: every
 * batch then costs as much as the table is large, and an initial load grows
 * with the square of its size. So before each batch the job analyzes any of
 * its tables whose changes since its last analysis outnumber its rows then
 * (at least 1,000): about one analysis per doubling of the table.
 *
 * Writes no data; a crash leaves nothing behind. Where the statistics views
 * answer nothing (PGlite), nothing is done.
 */
import type { Queryable } from '../db/database.js';

export async function analyzeIfStale(db: Queryable, tables: readonly string[]): Promise<void> {
  const r = await db.query<{ relname: string }>(
    `SELECT s.relname FROM pg_catalog.pg_stat_user_tables s JOIN pg_catalog.pg_class c ON c.oid = s.relid
      WHERE s.schemaname = current_schema() AND s.relname = ANY($1::text[])
        AND s.n_mod_since_analyze > greatest(1000, greatest(c.reltuples, 0))
      ORDER BY s.relname`,
    [tables],
  );
  for (const { relname } of r.rows) await db.query(`ANALYZE "${relname}"`);
}
