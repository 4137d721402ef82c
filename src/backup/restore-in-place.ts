/**
 * Restore on one connection (PGlite, or --jobs 1), in ONE transaction into
 * the public schema: under the `setup` lock (advisory-locks.ts: one filler of an empty database at a time), the target found empty (or, with
 * replace, its public schema dropped), the schema at the archive's version
 * with its keys and indexes deferred, every slice loaded with COPY FREEZE
 * (the tables were made in this transaction), each table's count and hash
 * checked against the manifest, keys and indexes rebuilt, the schema
 * finished (restore-schema.ts) — and only then COMMIT.
 *
 * Crash or failure: nothing is committed; the target is as it was.
 */
import type { Database, Transaction } from '../db/database.js';
import { isEmptyDatabase, schemaVersion } from '../db/migrate.js';
import { SmgrError } from '../errors/smgr-error.js';
import type { DatabasePlan } from './archive-format.js';
import { checkArchive } from './check-archive.js';
import { type DeferredConstraints, rebuildAll } from './deferred-constraints.js';
import { type Progress, reportStep } from './progress.js';
import type { RestoreDatabaseOptions, RestoreOutcome } from './restore-database.js';
import { restoreError } from './restore-errors.js';
import { acceptHeader, finishSchema, prepareSchema } from './restore-schema.js';
import { copySource } from './table-reader.js';

export async function restoreInPlace(db: Database, o: RestoreDatabaseOptions): Promise<RestoreOutcome> {
  return db.transaction(async (tx) => {
    await lockTarget(tx, o.progress);
    if (o.replace) await tx.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
    else if (!(await isEmptyDatabase(tx)))
      throw new SmgrError('RESTORE_TARGET_NOT_EMPTY', { url: db.displayUrl });
    let plan: DatabasePlan | undefined;
    let deferred: DeferredConstraints | undefined;
    let failure: unknown;
    const checked = await checkArchive(o.file, o, {
      progress: o.progress,
      onHeader: async (h, authenticated) => {
        plan = acceptHeader(h, authenticated, o);
        await tx.tuneForBulkLoad();
        deferred = await prepareSchema(tx, plan, o.file, 'public');
      },
      onSlice: async (database, table, data) => {
        // After a refused slice the transaction is dead: read on, so the manifest can tell an altered
        // table (ARCHIVE_TABLE_MISMATCH) from rows its schema refuses.
        if (database !== 'ServiceManager' || failure) return;
        try {
          // FREEZE: the tables were created in this transaction, so rows can be written frozen.
          await tx.copyIn(copySource(table), once(data), { freeze: true });
        } catch (e) {
          failure = restoreError(e, o.file, database, table.name);
        }
      },
    });
    if (failure) throw failure;
    reportStep(o.progress, 'building keys and indexes, checking references');
    await rebuildAll(deferred!, async (step) => {
      try {
        await tx.query(step.sql);
      } catch (e) {
        throw restoreError(e, o.file, 'ServiceManager', step.table);
      }
    });
    await finishSchema(tx, 'public');
    return { checked, plan: plan!, schemaVersion: await schemaVersion(tx), jobs: 1 };
  });
}

/** The `fill` lock, saying so when another restore or setup holds it. */
export async function lockTarget(tx: Transaction, progress?: Progress): Promise<void> {
  if (await tx.tryLock('setup')) return;
  reportStep(progress, 'waiting for another restore or setup of this database to finish');
  await tx.lock('setup');
}

export async function* once(data: Buffer): AsyncIterable<Uint8Array> {
  yield data;
}
