/**
 * Restore speed, as pg_restore does it: load rows into bare tables, then
 * build the indexes and check the foreign keys once, in bulk, instead of row
 * by row. deferConstraints() drops the foreign keys, primary/unique
 * constraints and plain indexes of a schema, and answers how to put them
 * back: every index build (those of the keys too, as plain unique indexes
 * first), then the keys adopting their indexes, then the foreign keys added
 * NOT VALID and validated. The builds and validations of different tables
 * can run on several connections at once (restore-staged.ts); rebuildAll()
 * runs them one after the other in one transaction (restore-in-place.ts).
 * Definitions are captured with `search_path` set to the schema alone, so
 * they name no schema and run where they were captured.
 *
 * The schema's own triggers (the change feed's, ServiceManager v6) are
 * disabled too while the rows load, as pg_restore creates triggers only
 * after the data: a restored row is not a new change, and an AFTER ROW
 * trigger costs every row a queued event and a function call even when it
 * does nothing (measured: +28% on a plain COPY of 1M rows here). `triggers`
 * enables exactly those that were enabled.
 *
 * Crash: these run inside the restore's transactions, on tables nobody else
 * sees yet; a failure (a duplicate key, a dangling reference) fails the
 * restore, which then commits nothing.
 */
import { type Queryable, quoteIdent } from '../db/database.js';

/** One statement of the rebuild, and the table it works on (for errors and scheduling). */
export interface RebuildStep {
  table: string;
  sql: string;
}

export interface DeferredConstraints {
  /** CREATE [UNIQUE] INDEX of every index, those that back keys included. */
  indexes: RebuildStep[];
  /** ALTER TABLE … ADD CONSTRAINT … PRIMARY KEY / UNIQUE USING INDEX: fast, after the indexes. */
  keys: RebuildStep[];
  /** ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY … NOT VALID: fast, after the keys. */
  foreignKeys: RebuildStep[];
  /** ALTER TABLE … VALIDATE CONSTRAINT: reads the rows, after the foreign keys are added. */
  validations: RebuildStep[];
  /** ALTER TABLE … ENABLE TRIGGER of every trigger disabled for the load: fast, with the keys. */
  triggers: RebuildStep[];
}

/** Drops the constraints and indexes of `schema` (the transaction's search_path must be that schema alone). */
export async function deferConstraints(tx: Queryable, schema: string): Promise<DeferredConstraints> {
  const constraints = (
    await tx.query<{
      table: string;
      name: string;
      type: string;
      def: string;
      index: string | null;
      indexName: string | null;
      deferrable: string;
    }>(
      `SELECT c.relname AS table, k.conname AS name, k.contype AS type, pg_get_constraintdef(k.oid) AS def,
              CASE WHEN k.contype IN ('p', 'u') THEN pg_get_indexdef(k.conindid) END AS index,
              ci.relname AS "indexName",
              CASE WHEN k.condeferred THEN ' DEFERRABLE INITIALLY DEFERRED'
                   WHEN k.condeferrable THEN ' DEFERRABLE' ELSE '' END AS deferrable
         FROM pg_catalog.pg_constraint k
         JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
         LEFT JOIN pg_catalog.pg_class ci ON ci.oid = k.conindid AND k.contype IN ('p', 'u')
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND k.contype IN ('p', 'u', 'f')
        ORDER BY c.relname, k.conname`,
      [schema],
    )
  ).rows;
  const indexes = (
    await tx.query<{ table: string; name: string; def: string }>(
      `SELECT ct.relname AS table, ci.relname AS name, pg_get_indexdef(i.indexrelid) AS def
         FROM pg_catalog.pg_index i
         JOIN pg_catalog.pg_class ci ON ci.oid = i.indexrelid
         JOIN pg_catalog.pg_class ct ON ct.oid = i.indrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = ci.relnamespace
        WHERE n.nspname = $1
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = i.indexrelid)
        ORDER BY ci.relname`,
      [schema],
    )
  ).rows;
  const foreign = constraints.filter((k) => k.type === 'f');
  const keys = constraints.filter((k) => k.type !== 'f');
  const alter = (k: { table: string; name: string }, rest: string) =>
    `ALTER TABLE ${quoteIdent(k.table)} ${rest} CONSTRAINT ${quoteIdent(k.name)}`;

  for (const f of foreign) await tx.query(alter(f, 'DROP'));
  for (const k of keys) await tx.query(alter(k, 'DROP'));
  for (const i of indexes) await tx.query(`DROP INDEX ${quoteIdent(i.name)}`);
  const triggers = await disableTriggers(tx, schema);

  return {
    indexes: [
      ...keys.map((k) => ({ table: k.table, sql: k.index! })),
      ...indexes.map((i) => ({ table: i.table, sql: i.def })),
    ],
    keys: keys.map((k) => ({
      table: k.table,
      sql: `${alter(k, 'ADD')} ${k.type === 'p' ? 'PRIMARY KEY' : 'UNIQUE'} USING INDEX ${quoteIdent(k.indexName!)}${k.deferrable}`,
    })),
    foreignKeys: foreign.map((f) => ({ table: f.table, sql: `${alter(f, 'ADD')} ${f.def} NOT VALID` })),
    validations: foreign.map((f) => ({
      table: f.table,
      sql: `ALTER TABLE ${quoteIdent(f.table)} VALIDATE CONSTRAINT ${quoteIdent(f.name)}`,
    })),
    triggers,
  };
}

/** Disables the enabled user triggers of `schema`'s tables; answers how to enable them again. */
async function disableTriggers(tx: Queryable, schema: string): Promise<RebuildStep[]> {
  const found = (
    await tx.query<{ table: string; name: string }>(
      `SELECT c.relname AS table, t.tgname AS name
         FROM pg_catalog.pg_trigger t
         JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND NOT t.tgisinternal AND t.tgenabled <> 'D'
        ORDER BY c.relname, t.tgname`,
      [schema],
    )
  ).rows;
  const alter = (t: { table: string; name: string }, what: string) =>
    `ALTER TABLE ${quoteIdent(t.table)} ${what} TRIGGER ${quoteIdent(t.name)}`;
  for (const t of found) await tx.query(alter(t, 'DISABLE'));
  return found.map((t) => ({ table: t.table, sql: alter(t, 'ENABLE') }));
}

/** Puts everything back, in order, in the caller's transaction. `run` may map errors to the step's table. */
export async function rebuildAll(
  deferred: DeferredConstraints,
  run: (step: RebuildStep) => Promise<void>,
): Promise<void> {
  for (const step of [
    ...deferred.indexes,
    ...deferred.keys,
    ...deferred.foreignKeys,
    ...deferred.validations,
    ...deferred.triggers,
  ])
    await run(step);
}
