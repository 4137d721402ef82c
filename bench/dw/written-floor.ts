/**
 * A second floor of the benchmark (bench/dw/run.ts): every row the DW's
 * three databases hold after the initial load (staging, DWRepository's
 * versions and events, DWDataMart's dimensions and facts) moved by one
 * `COPY … TO STDOUT | COPY … FROM STDIN` per table into scratch databases
 * of the same schema (the same migrations: keys, indexes and foreign keys
 * as the DW has them), tables in foreign-key order. What the server writes
 * the design's rows at with no transformation at all: the ETL is compared
 * with it besides the feed's floor (floor.ts), which moves each change
 * once. Only the COPYs are timed (not the migrations that prepare the
 * scratch databases). The benchmark's own databases only.
 */
import type { Database } from '../../src/db/database.js';
import { type MigrationSet, migrate } from '../../src/db/migrate.js';
import { openDatabase } from '../../src/db/open-database.js';
import { emptyTables } from '../../test/support/dw.js';

export interface WrittenFloor {
  rows: number;
  seconds: number;
  /** Rows per database, in the order given. */
  perDatabase: number[];
}

/** The tables of `db` that hold rows, each after the tables its foreign keys reference. */
async function tablesInKeyOrder(db: Database): Promise<string[]> {
  const tables = (
    await db.query<{ t: string }>(
      `SELECT c.relname AS t FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'smgr_schema' ORDER BY 1`,
    )
  ).rows.map((r) => r.t);
  const refs = (
    await db.query<{ t: string; ref: string }>(
      `SELECT conrelid::regclass::text AS t, confrelid::regclass::text AS ref FROM pg_catalog.pg_constraint
        WHERE contype = 'f' AND conrelid <> confrelid`,
    )
  ).rows;
  const ordered: string[] = [];
  const visit = (t: string, path: Set<string>) => {
    if (ordered.includes(t) || path.has(t)) return;
    path.add(t);
    for (const r of refs) if (r.t === t) visit(r.ref, path);
    ordered.push(t);
  };
  for (const t of tables) visit(t, new Set());
  return ordered;
}

export async function writtenFloor(
  pairs: ReadonlyArray<{ source: string; scratch: string; migrations: MigrationSet }>,
): Promise<WrittenFloor> {
  let seconds = 0;
  const perDatabase: number[] = [];
  for (const { source, scratch, migrations } of pairs) {
    const [from, to] = [await openDatabase(source), await openDatabase(scratch)];
    try {
      await migrate(to, migrations);
      await emptyTables(scratch);
      let rows = 0;
      const t0 = performance.now();
      for (const table of await tablesInKeyOrder(from)) {
        await from.transaction(async (out) => {
          await to.transaction(async (inp) => {
            rows += await inp.copyIn(`"${table}"`, out.copyOut(`"${table}"`));
          });
        });
      }
      seconds += (performance.now() - t0) / 1000;
      perDatabase.push(rows);
    } finally {
      await from.close();
      await to.close();
    }
  }
  return { rows: perDatabase.reduce((a, b) => a + b, 0), seconds, perDatabase };
}
