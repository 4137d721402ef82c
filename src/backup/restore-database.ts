/**
 * smgr restore database, the engine (docs/FORMAT.md §2.5, ARCHITECTURE §4):
 * into an empty database of either engine (or, with replace, one whose
 * public schema is replaced), every table's count and hash checked against
 * the manifest before anything is visible. Two paths, chosen by what the
 * database can do, not by its engine: on one connection (PGlite, or
 * `jobs: 1`) one transaction does everything (restore-in-place.ts); with
 * several, rows and indexes go into a staging schema over `jobs`
 * connections and one short final transaction moves them into place
 * (restore-staged.ts). A PostgreSQL error about the rows becomes
 * ARCHIVE_MALFORMED naming the table (restore-errors.ts).
 *
 * Crash or failure: the target is as it was; an embedded directory this
 * restore created is removed again (on a failure; after kill -9 the next
 * restore into it finds it empty), a staging schema is dropped (on a
 * failure; after kill -9, by the next restore into the database).
 */
import os from 'node:os';
import type { Database } from '../db/database.js';
import { openDatabase } from '../db/open-database.js';
import type { DatabasePlan } from './archive-format.js';
import type { CheckedArchive } from './check-archive.js';
import { type Progress, reportStep } from './progress.js';
import type { ReadArchiveOptions } from './read-archive.js';
import { restoreInPlace } from './restore-in-place.js';
import { restoreStaged } from './restore-staged.js';

export interface RestoreDatabaseOptions extends ReadArchiveOptions {
  file: string;
  targetUrl: string;
  replace?: boolean;
  progress?: Progress;
  /** Connections to load and build over (default defaultRestoreJobs()); 1 restores in one transaction. */
  jobs?: number;
}

export interface RestoreResult {
  file: string;
  database: string;
  managementGroup: { id: string; name: string };
  archiveSchemaVersion: number;
  schemaVersion: number;
  tables: Array<{ name: string; rows: number }>;
  /** False for a version 1 archive, restored because allowUnauthenticated said so. */
  authenticated: boolean;
  /** Connections used (1 on PGlite). */
  jobs: number;
  durationMs: number;
}

/** What either path hands back. */
export interface RestoreOutcome {
  checked: CheckedArchive;
  plan: DatabasePlan;
  schemaVersion: number;
  jobs: number;
}

/** As pg_restore users would pick -j: one connection per core, at most 8. */
export function defaultRestoreJobs(): number {
  return Math.max(1, Math.min(8, os.availableParallelism()));
}

export async function restoreDatabase(o: RestoreDatabaseOptions): Promise<RestoreResult> {
  const started = Date.now();
  const jobs = Math.max(1, Math.floor(o.jobs ?? defaultRestoreJobs()));
  let db: Database | undefined;
  try {
    // One connection more than the jobs: the parallel path's control transaction holds one throughout.
    db = await openDatabase(o.targetUrl, {
      connections: jobs + 1,
      restoreTarget: true,
      onStep: (message) => reportStep(o.progress, message),
    });
    const outcome =
      jobs > 1 && db.parallelism > 1 ? await restoreStaged(db, o, jobs) : await restoreInPlace(db, o);
    const { manifest } = outcome.checked;
    const sm = manifest.databases.find((d) => d.name === 'ServiceManager')!;
    const result: RestoreResult = {
      file: o.file,
      database: db.displayUrl,
      managementGroup: manifest.managementGroup,
      archiveSchemaVersion: outcome.plan.schemaVersion,
      schemaVersion: outcome.schemaVersion,
      tables: sm.tables.map((t) => ({ name: t.name, rows: t.rows })),
      authenticated: outcome.checked.authenticated,
      jobs: outcome.jobs,
      durationMs: 0,
    };
    await db.close();
    db = undefined;
    return { ...result, durationMs: Date.now() - started };
  } catch (e) {
    await db?.close({ removeIfCreated: true }).catch(() => {});
    throw e;
  }
}
