/**
 * Which tables a backup holds and in what order (docs/FORMAT.md §2.3): every
 * table of the public schema except smgr_schema (restore recreates it by
 * running the migrations), referenced tables before referencing ones, with
 * the columns COPY reads and writes (generated columns left out).
 */
import { type Queryable, quoteIdent } from '../db/database.js';
import type { TablePlan } from './archive-format.js';

export async function planTables(db: Queryable, schema = 'public'): Promise<TablePlan[]> {
  const cols = await db.query<{ table: string; column: string }>(
    `SELECT c.relname AS table, a.attname AS column
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
      WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname <> 'smgr_schema'
        AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      ORDER BY c.relname, a.attnum`,
    [schema],
  );
  const fks = await db.query<{ child: string; parent: string }>(
    `SELECT c.relname AS child, p.relname AS parent
       FROM pg_catalog.pg_constraint k
       JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
       JOIN pg_catalog.pg_class p ON p.oid = k.confrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype = 'f' AND n.nspname = $1 AND c.oid <> p.oid`,
    [schema],
  );
  const columns = new Map<string, string[]>();
  for (const r of cols.rows) columns.set(r.table, [...(columns.get(r.table) ?? []), r.column]);
  return topologicalOrder([...columns.keys()].sort(), fks.rows).map((name) => ({
    name,
    columns: columns.get(name)!,
  }));
}

/** Parents first; ties broken by name so the order is stable between runs. */
function topologicalOrder(tables: string[], edges: Array<{ child: string; parent: string }>): string[] {
  const done = new Set<string>();
  const order: string[] = [];
  const visit = (t: string, path: Set<string>) => {
    if (done.has(t) || path.has(t)) return;
    path.add(t);
    for (const e of edges) if (e.child === t) visit(e.parent, path);
    done.add(t);
    order.push(t);
  };
  for (const t of tables) visit(t, new Set());
  return order;
}

/** An identity or serial column, and the sequence behind it. */
export interface SerialColumn {
  table: string;
  column: string;
  seq: string;
}

/** The identity/serial columns of `schema`'s tables. */
export async function serialColumns(db: Queryable, schema = 'public'): Promise<SerialColumn[]> {
  const r = await db.query<{ table: string; column: string; seq: string }>(
    `SELECT c.relname AS table, a.attname AS column, s.seq
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid,
            LATERAL (SELECT pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) AS seq) s
      WHERE n.nspname = $1 AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped AND s.seq IS NOT NULL
      ORDER BY c.relname, a.attnum`,
    [schema],
  );
  return r.rows;
}

/** The key of a column in the `known` maxima of fixSequences(). */
export const columnKey = (s: { table: string; column: string }): string => `${s.table}.${s.column}`;

/** The highest value of a serial column (as text: a bigint), or null when the table has no row. */
export async function highestValue(db: Queryable, schema: string, s: SerialColumn): Promise<string | null> {
  const r = await db.query<{ max: string | null }>(
    `SELECT max(${quoteIdent(s.column)})::text AS max FROM ${quoteIdent(schema)}.${quoteIdent(s.table)}`,
  );
  return r.rows[0]?.max ?? null;
}

/**
 * Resets every identity/serial sequence of `schema`'s tables past the
 * restored rows. `known` holds maxima already measured (columnKey() to
 * highestValue()), by a caller that knows no row was written since; the
 * others are measured here.
 */
export async function fixSequences(
  db: Queryable,
  schema = 'public',
  known: ReadonlyMap<string, string | null> = new Map(),
): Promise<void> {
  for (const s of await serialColumns(db, schema)) {
    const key = columnKey(s);
    const max = known.has(key) ? (known.get(key) ?? null) : await highestValue(db, schema, s);
    await db.query('SELECT setval($1::regclass, coalesce($2::bigint, 0) + 1, false)', [s.seq, max]);
  }
}
