/**
 * Restore speed, as pg_restore does it: load rows into bare tables, then
 * build the indexes and check the foreign keys once, in bulk, instead of row
 * by row. deferConstraints() drops the foreign keys, primary/unique
 * constraints and plain indexes of the public schema, remembering their
 * definitions; the returned function puts them all back. Both run inside the
 * restore's transaction, so a failure (a duplicate key, a dangling reference)
 * rolls the whole restore back, and the database never exists without them.
 */
import { type Queryable, quoteIdent } from '../db/database.js';

interface Definition {
  table: string;
  name: string;
  def: string;
}

export async function deferConstraints(tx: Queryable): Promise<() => Promise<void>> {
  const constraints = async (types: string) =>
    (
      await tx.query<{ table: string; name: string; def: string }>(
        `SELECT c.relname AS table, k.conname AS name, pg_get_constraintdef(k.oid) AS def
           FROM pg_catalog.pg_constraint k
           JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
          WHERE c.relnamespace = 'public'::regnamespace AND k.contype = ANY($1::"char"[])
          ORDER BY c.relname, k.conname`,
        [types.split('')],
      )
    ).rows;
  const foreignKeys: Definition[] = await constraints('f');
  const keys: Definition[] = await constraints('pu');
  const indexes = (
    await tx.query<{ name: string; def: string }>(
      `SELECT ci.relname AS name, pg_get_indexdef(i.indexrelid) AS def
         FROM pg_catalog.pg_index i
         JOIN pg_catalog.pg_class ci ON ci.oid = i.indexrelid
        WHERE ci.relnamespace = 'public'::regnamespace
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = i.indexrelid)
        ORDER BY ci.relname`,
    )
  ).rows;

  for (const f of foreignKeys)
    await tx.query(`ALTER TABLE ${quoteIdent(f.table)} DROP CONSTRAINT ${quoteIdent(f.name)}`);
  for (const k of keys)
    await tx.query(`ALTER TABLE ${quoteIdent(k.table)} DROP CONSTRAINT ${quoteIdent(k.name)}`);
  for (const i of indexes) await tx.query(`DROP INDEX ${quoteIdent(i.name)}`);

  return async () => {
    for (const k of keys)
      await tx.query(`ALTER TABLE ${quoteIdent(k.table)} ADD CONSTRAINT ${quoteIdent(k.name)} ${k.def}`);
    for (const i of indexes) await tx.query(i.def);
    for (const f of foreignKeys)
      await tx.query(`ALTER TABLE ${quoteIdent(f.table)} ADD CONSTRAINT ${quoteIdent(f.name)} ${f.def}`);
  };
}
