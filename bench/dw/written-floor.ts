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
import { planTables } from '../../src/backup/table-plan.js';
import { quoteIdent } from '../../src/db/database.js';
import { type MigrationSet, migrate } from '../../src/db/migrate.js';
import { openDatabase } from '../../src/db/open-database.js';
import { emptyTables } from '../../test/support/dw.js';

export interface WrittenFloor {
  rows: number;
  seconds: number;
  /** Rows per database, in the order given. */
  perDatabase: number[];
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
      // The tables in the order a backup takes them (parents first), with their columns.
      for (const table of await planTables(from)) {
        const target = `${quoteIdent(table.name)} (${table.columns.map(quoteIdent).join(', ')})`;
        await from.transaction(async (out) => {
          await to.transaction(async (inp) => {
            rows += await inp.copyIn(target, out.copyOut(target));
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
