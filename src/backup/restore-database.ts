/**
 * smgr restore database, the engine (docs/FORMAT.md §2.5, ARCHITECTURE §4):
 * into an empty database of either engine (or, with replace, one whose public
 * schema is dropped first), in ONE transaction: the schema at the archive's
 * version with its keys and indexes deferred (deferred-constraints.ts), every
 * slice streamed in with COPY FREEZE, each table's count and hash
 * checked against the manifest, sequences set past the restored rows, the
 * servers of the snapshot recorded as stopped (none runs against the new
 * database), then the migrations up to this smgr's version — and only then
 * COMMIT. Any
 * failure rolls everything back; an embedded directory this restore created
 * is removed again.
 */
import type { Database } from '../db/database.js';
import { isEmptyDatabase, latestVersion, migrateInTransaction, schemaVersion } from '../db/migrate.js';
import { serviceManagerMigrations } from '../db/migrations/service-manager.js';
import { openDatabase } from '../db/open-database.js';
import { SmgrError } from '../errors/smgr-error.js';
import type { ArchiveHeader } from './archive-format.js';
import { checkArchive } from './check-archive.js';
import { deferConstraints } from './deferred-constraints.js';
import type { Progress } from './progress.js';
import type { ReadArchiveOptions } from './read-archive.js';
import { fixSequences } from './table-plan.js';
import { copySource } from './table-reader.js';

export interface RestoreDatabaseOptions extends ReadArchiveOptions {
  file: string;
  targetUrl: string;
  replace?: boolean;
  progress?: Progress;
}

export interface RestoreResult {
  file: string;
  database: string;
  managementGroup: { id: string; name: string };
  archiveSchemaVersion: number;
  schemaVersion: number;
  tables: Array<{ name: string; rows: number }>;
  durationMs: number;
}

export async function restoreDatabase(o: RestoreDatabaseOptions): Promise<RestoreResult> {
  const started = Date.now();
  let db: Database | undefined;
  try {
    db = await openDatabase(o.targetUrl);
    if (!(await isEmptyDatabase(db)) && !o.replace)
      throw new SmgrError('RESTORE_TARGET_NOT_EMPTY', { url: db.displayUrl });
    const target = db;
    const result = await target.transaction(async (tx) => {
      if (o.replace) await tx.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
      let header: ArchiveHeader | undefined;
      let restoreConstraints: (() => Promise<void>) | undefined;
      const { manifest } = await checkArchive(o.file, o, {
        progress: o.progress,
        onHeader: async (h) => {
          header = h;
          const sm = serviceManagerPlan(h, o.file);
          const known = latestVersion(serviceManagerMigrations);
          if (sm.schemaVersion > known) {
            throw new SmgrError('SCHEMA_TOO_NEW', {
              database: 'ServiceManager',
              found: sm.schemaVersion,
              known,
            });
          }
          await migrateInTransaction(tx, serviceManagerMigrations, sm.schemaVersion);
          await tx.tuneForBulkLoad();
          restoreConstraints = await deferConstraints(tx);
        },
        onSlice: async (database, table, data) => {
          if (database !== 'ServiceManager') return;
          // FREEZE: the tables were created in this transaction, so rows can be written frozen.
          await tx.copyIn(copySource(table), once(data), { freeze: true });
        },
      });
      await restoreConstraints?.();
      await fixSequences(tx);
      // No server runs against a database restored a moment ago: servers that were alive in the
      // snapshot are recorded as stopped, so setup --existing-database can rebind to them.
      await tx.query(
        'UPDATE computers SET stopped_at = now() WHERE stopped_at IS NULL AND last_heartbeat IS NOT NULL',
      );
      await migrateInTransaction(tx, serviceManagerMigrations);
      // Likewise the workflow lease of the snapshot: expired, so the rebuilt server need not wait it out.
      await tx.query(
        'UPDATE workflow_lease SET expires_at = least(expires_at, now()) WHERE expires_at IS NOT NULL',
      );
      const sm = manifest.databases.find((d) => d.name === 'ServiceManager')!;
      return {
        file: o.file,
        database: target.displayUrl,
        managementGroup: manifest.managementGroup,
        archiveSchemaVersion: serviceManagerPlan(header!, o.file).schemaVersion,
        schemaVersion: await schemaVersion(tx),
        tables: sm.tables.map((t) => ({ name: t.name, rows: t.rows })),
        durationMs: 0,
      };
    });
    return { ...result, durationMs: Date.now() - started };
  } catch (e) {
    await db?.close({ removeIfCreated: true }).catch(() => {});
    db = undefined;
    throw e;
  } finally {
    await db?.close();
  }
}

function serviceManagerPlan(h: ArchiveHeader, file: string) {
  const sm = h.databases.find((d) => d.name === 'ServiceManager');
  if (!sm)
    throw new SmgrError('ARCHIVE_MALFORMED', { path: file, reason: 'it holds no ServiceManager database' });
  return sm;
}

async function* once(data: Buffer): AsyncIterable<Uint8Array> {
  yield data;
}
