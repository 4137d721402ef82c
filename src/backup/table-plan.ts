/**
 * Which tables a backup holds and in what order (docs/FORMAT.md §2.3): every
 * table of the public schema except smgr_schema (restore recreates it by
 * running the migrations), referenced tables before referencing ones, with
 * the columns COPY reads and writes (generated columns left out).
 */
import type { Queryable } from '../db/database.js';
import type { TablePlan } from './archive-format.js';

export async function planTables(db: Queryable): Promise<TablePlan[]> {
  const cols = await db.query<{ table: string; column: string }>(
    `SELECT c.relname AS table, a.attname AS column
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'smgr_schema'
        AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      ORDER BY c.relname, a.attnum`,
  );
  const fks = await db.query<{ child: string; parent: string }>(
    `SELECT c.relname AS child, p.relname AS parent
       FROM pg_catalog.pg_constraint k
       JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
       JOIN pg_catalog.pg_class p ON p.oid = k.confrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype = 'f' AND n.nspname = 'public' AND c.oid <> p.oid`,
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

/** Resets every identity/serial sequence past the restored rows. */
export async function fixSequences(db: Queryable): Promise<void> {
  const seqs = await db.query<{ table: string; column: string; seq: string }>(
    `SELECT c.relname AS table, a.attname AS column,
            pg_get_serial_sequence(quote_ident(c.relname), a.attname) AS seq
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
        AND pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL`,
  );
  for (const s of seqs.rows) {
    const t = `"${s.table.replace(/"/g, '""')}"`;
    const col = `"${s.column.replace(/"/g, '""')}"`;
    await db.query(`SELECT setval($1::regclass, coalesce((SELECT max(${col}) FROM ${t}), 0) + 1, false)`, [
      s.seq,
    ]);
  }
}
