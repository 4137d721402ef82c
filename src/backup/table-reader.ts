/**
 * Reads one table's rows as COPY text inside the backup's snapshot
 * transaction (docs/FORMAT.md §2.8), with memory bounded whatever the table's
 * size: how is the engine's business (Transaction.copyTableOut).
 */
import { quoteIdent, type Transaction } from '../db/database.js';
import type { TablePlan } from './archive-format.js';

/** The COPY target of a table in the plan: its name and the archive's columns. */
export function copySource(table: TablePlan, schema?: string): string {
  const name = schema ? `${quoteIdent(schema)}.${quoteIdent(table.name)}` : quoteIdent(table.name);
  return `${name} (${table.columns.map(quoteIdent).join(', ')})`;
}

export function readTable(tx: Transaction, table: TablePlan): AsyncIterable<Uint8Array> {
  return tx.copyTableOut(table.name, table.columns);
}

/** Estimated rows (pg_class.reltuples), for progress bars only. */
export async function estimateRows(tx: Transaction, table: string): Promise<number> {
  const r = await tx.query<{ n: number }>(
    'SELECT greatest(reltuples, 0)::bigint AS n FROM pg_catalog.pg_class WHERE oid = $1::regclass',
    [quoteIdent(table)],
  );
  return r.rows[0]?.n ?? 0;
}
