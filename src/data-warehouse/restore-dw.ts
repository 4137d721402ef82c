/**
 * smgr restore data-warehouse, the engine (docs/FORMAT.md §2.12): a DW
 * archive into DWStagingAndConfig, DWRepository and DWDataMart, each empty
 * (either engine), each on one connection in ONE transaction. The three
 * transactions are open together while the archive is read once: the
 * header checked (a DW's, authenticated, schema versions this smgr knows),
 * each schema made at the archive's version with keys and indexes
 * deferred, every slice loaded, every count and hash checked against the
 * manifest, keys and references rebuilt, the schema finished (sequences,
 * the snapshot's computers recorded as stopped, migrations to this smgr's
 * version, dw_group naming the restored DWRepository and DWDataMart) —
 * and only then the commits: DWDataMart, DWRepository, DWStagingAndConfig.
 *
 * Crash or failure before the commits: nothing is committed anywhere (an
 * embedded directory this restore created is removed on a failure; after
 * kill -9 the next restore finds it empty). Between the commits: each
 * committed database carries the comment `smgr-restore <archive id>` on its
 * public schema, and the same restore run again accepts such a database as
 * done and fills the rest; once all three are committed the comments are
 * put back. A database that holds anything else is refused, unchanged.
 */
import { checkArchive } from '../backup/check-archive.js';
import { type DeferredConstraints, rebuildAll } from '../backup/deferred-constraints.js';
import { type Progress, reportStep } from '../backup/progress.js';
import type { ReadArchiveOptions } from '../backup/read-archive.js';
import { restoreError } from '../backup/restore-errors.js';
import { lockTarget, once } from '../backup/restore-in-place.js';
import { prepareSchema, requirePart } from '../backup/restore-schema.js';
import { fixSequences } from '../backup/table-plan.js';
import { copySource } from '../backup/table-reader.js';
import type { Database, Transaction } from '../db/database.js';
import { parseDatabaseUrl } from '../db/database-url.js';
import { isEmptyDatabase, latestVersion, migrateInTransaction, schemaVersion } from '../db/migrate.js';
import { openDatabase } from '../db/open-database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { DW_DATABASES, type DwDatabaseRole, type DwDatabaseSpec } from './dw-databases.js';

export interface RestoreDwOptions extends ReadArchiveOptions {
  file: string;
  urls: Record<DwDatabaseRole, string>;
  progress?: Progress;
}

export interface RestoreDwResult {
  file: string;
  managementGroup: { id: string; name: string };
  databases: Array<{
    name: string;
    url: string;
    /** False when an earlier run of this restore had committed it already (resumed). */
    restored: boolean;
    archiveSchemaVersion: number;
    schemaVersion: number;
    tables: Array<{ name: string; rows: number }>;
  }>;
  durationMs: number;
}

const MARKER = 'smgr-restore ';

interface Target {
  spec: DwDatabaseSpec;
  db: Database;
  tx?: Transaction;
  /** The public schema's comment before this restore (put back at the end). */
  comment: string | null;
  /** 'fill': empty, to be restored; 'done': restored from this archive by an earlier run. */
  state?: 'fill' | 'done';
  /** An earlier run's marker found on a database that is not empty. */
  foundMarker?: string;
  deferred?: DeferredConstraints;
  schemaVersion?: number;
}

export async function restoreDataWarehouse(o: RestoreDwOptions): Promise<RestoreDwResult> {
  const started = Date.now();
  const urls = DW_DATABASES.map((s) => parseDatabaseUrl(o.urls[s.role]).url);
  const twice = urls.find((u, i) => urls.indexOf(u) !== i);
  if (twice) throw new SmgrError('DW_RESTORE_TARGETS_SAME', { url: parseDatabaseUrl(twice).displayUrl });
  const targets: Target[] = [];
  try {
    for (const spec of DW_DATABASES) {
      const db = await openDatabase(o.urls[spec.role], {
        onStep: (m) => reportStep(o.progress, m),
        restoreTarget: true,
      });
      targets.push({ spec, db, comment: null });
    }
    const [staging, repository, datamart] = targets as [Target, Target, Target];
    let marker = '';
    // Nested: DWDataMart commits first, DWStagingAndConfig last (FORMAT §2.12).
    const checked = await staging.db.transaction((s) =>
      repository.db.transaction((r) =>
        datamart.db.transaction(async (m) => {
          staging.tx = s;
          repository.tx = r;
          datamart.tx = m;
          for (const t of targets) await inspect(t, o.progress);
          let failure: unknown;
          // The part first (ARCHIVE_OTHER_PART says which restore takes it), then the group.
          const result = await checkArchive(
            o.file,
            { ...o, expectedGroup: undefined },
            {
              progress: o.progress,
              onHeader: async (h, authenticated) => {
                requirePart(h, 'data-warehouse', o.file);
                if (o.expectedGroup && h.managementGroup.id !== o.expectedGroup.id) {
                  throw new SmgrError('ARCHIVE_OTHER_GROUP', {
                    path: o.file,
                    found: h.managementGroup.name,
                    expected: o.expectedGroup.name,
                  });
                }
                if (!authenticated) throw new SmgrError('ARCHIVE_UNAUTHENTICATED', { path: o.file });
                marker = `${MARKER}${h.authentication!.ageHeader}`;
                for (const t of targets) {
                  const plan = h.databases.find((d) => d.name === t.spec.name)!;
                  const known = latestVersion(t.spec.migrations);
                  if (plan.schemaVersion > known)
                    throw new SmgrError('SCHEMA_TOO_NEW', {
                      database: t.spec.name,
                      found: plan.schemaVersion,
                      known,
                    });
                  if (t.state === undefined) {
                    if (t.foundMarker !== marker)
                      throw new SmgrError('RESTORE_TARGET_NOT_EMPTY', { url: t.db.displayUrl });
                    t.state = 'done';
                    continue;
                  }
                  await t.tx!.tuneForBulkLoad();
                  t.deferred = await prepareSchema(t.tx!, plan, o.file, 'public', t.spec.migrations);
                }
              },
              onSlice: async (database, table, data) => {
                const t = targets.find((x) => x.spec.name === database);
                if (t?.state !== 'fill' || failure !== undefined) return;
                try {
                  await t.tx!.copyIn(copySource(table), once(data), { freeze: true });
                } catch (e) {
                  failure = restoreError(e, o.file, database, table.name);
                }
              },
            },
          );
          if (failure) throw failure;
          reportStep(o.progress, 'building keys and indexes, checking references');
          for (const t of targets) {
            if (t.state !== 'fill') continue;
            await rebuildAll(t.deferred!, async (step) => {
              try {
                await t.tx!.query(step.sql);
              } catch (e) {
                throw restoreError(e, o.file, t.spec.name, step.table);
              }
            });
            await finish(t, o.urls);
            await setComment(t.tx!, `${marker}\n${t.comment ?? ''}`);
            t.schemaVersion = await schemaVersion(t.tx!);
          }
          return result;
        }),
      ),
    );
    // All three committed: the markers go, the comments are as they were.
    for (const t of targets) await t.db.transaction((tx) => setComment(tx, t.comment));
    const { manifest } = checked;
    const result: RestoreDwResult = {
      file: o.file,
      managementGroup: manifest.managementGroup,
      databases: targets.map((t) => {
        const d = manifest.databases.find((x) => x.name === t.spec.name)!;
        return {
          name: t.spec.name,
          url: t.db.displayUrl,
          restored: t.state === 'fill',
          archiveSchemaVersion: d.schemaVersion,
          schemaVersion: t.schemaVersion ?? latestVersion(t.spec.migrations),
          tables: d.tables.map((x) => ({ name: x.name, rows: x.rows })),
        };
      }),
      durationMs: 0,
    };
    for (const t of targets.splice(0)) await t.db.close();
    return { ...result, durationMs: Date.now() - started };
  } catch (e) {
    for (const t of targets.reverse()) await t.db.close({ removeIfCreated: true }).catch(() => {});
    throw e;
  }
}

/** Under the fill lock: empty (to fill), or marked by an earlier run of a restore, or refused at once. */
async function inspect(t: Target, progress?: Progress): Promise<void> {
  const tx = t.tx!;
  await lockTarget(tx, progress);
  const c = await tx.query<{ c: string | null }>(
    "SELECT obj_description('public'::regnamespace, 'pg_namespace') AS c",
  );
  const comment = c.rows[0]?.c ?? null;
  if (await isEmptyDatabase(tx)) {
    t.state = 'fill';
    t.comment = comment;
    return;
  }
  if (comment?.startsWith(MARKER)) {
    const [first, ...rest] = comment.split('\n');
    t.foundMarker = first;
    t.comment = rest.join('\n') || null;
    return;
  }
  throw new SmgrError('RESTORE_TARGET_NOT_EMPTY', { url: t.db.displayUrl });
}

/**
 * After the rows: sequences past them, the snapshot's DW computers recorded as stopped (setup
 * --existing-database rebinds to them), migrations to this smgr's version, and DWStagingAndConfig
 * naming the databases the other two were restored into.
 */
async function finish(t: Target, urls: Record<DwDatabaseRole, string>): Promise<void> {
  const tx = t.tx!;
  await fixSequences(tx, 'public');
  await migrateInTransaction(tx, t.spec.migrations);
  if (t.spec.role !== 'staging') return;
  await tx.query(
    'UPDATE computers SET stopped_at = now() WHERE stopped_at IS NULL AND last_heartbeat IS NOT NULL',
  );
  await tx.query('UPDATE dw_group SET repository_database = $1, datamart_database = $2', [
    parseDatabaseUrl(urls.repository).url,
    parseDatabaseUrl(urls.datamart).url,
  ]);
}

async function setComment(tx: Transaction, comment: string | null): Promise<void> {
  const literal = comment === null || comment === '' ? 'NULL' : `'${comment.replace(/'/g, "''")}'`;
  await tx.query(`COMMENT ON SCHEMA public IS ${literal}`);
}
