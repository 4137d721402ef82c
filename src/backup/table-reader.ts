/**
 * Reads one table's rows as COPY text inside the backup's snapshot
 * transaction (docs/FORMAT.md §2.8). On a PostgreSQL server: one streaming
 * COPY. On PGlite, whose COPY returns a whole buffer: heap-page ranges with a
 * TID range scan, so memory stays bounded by a range, not the table.
 */
import { quoteIdent, type Transaction } from '../db/database.js';
import type { TablePlan } from './archive-format.js';

const PAGES_PER_RANGE = 1024; // 8 MiB of heap per COPY on the embedded engine

export function copySource(table: TablePlan): string {
  return `${quoteIdent(table.name)} (${table.columns.map(quoteIdent).join(', ')})`;
}

export async function* readTable(
  tx: Transaction,
  engine: 'embedded' | 'server',
  table: TablePlan,
): AsyncIterable<Uint8Array> {
  if (engine === 'server') {
    yield* tx.copyOut(copySource(table));
    return;
  }
  const r = await tx.query<{ pages: number }>(
    `SELECT (pg_relation_size($1::regclass) / current_setting('block_size')::int)::int AS pages`,
    [quoteIdent(table.name)],
  );
  const pages = r.rows[0]?.pages ?? 0;
  const cols = table.columns.map(quoteIdent).join(', ');
  for (let from = 0; from < pages; from += PAGES_PER_RANGE) {
    const to = from + PAGES_PER_RANGE;
    // from/to are integers computed here, never input.
    yield* tx.copyOut(
      `(SELECT ${cols} FROM ${quoteIdent(table.name)} WHERE ctid >= '(${from},0)'::tid AND ctid < '(${to},0)'::tid)`,
    );
  }
}

/** Estimated rows (pg_class.reltuples), for progress bars only. */
export async function estimateRows(tx: Transaction, table: string): Promise<number> {
  const r = await tx.query<{ n: number }>(
    'SELECT greatest(reltuples, 0)::bigint AS n FROM pg_catalog.pg_class WHERE oid = $1::regclass',
    [quoteIdent(table)],
  );
  return r.rows[0]?.n ?? 0;
}
