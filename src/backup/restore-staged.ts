/**
 * Parallel restore on a PostgreSQL server (issue 15): the rows are loaded
 * over `jobs` connections into a staging schema `smgr_restore_<random>`,
 * every table's count and hash checked against the manifest, the keys and
 * indexes built and the references checked over `jobs` connections, the
 * schema finished (restore-schema.ts) — then ONE short transaction moves
 * every object of the staging schema into `public` and drops the staging
 * schema. Nothing is visible in `public` before that commit.
 *
 * The loads and builds are scheduled as pg_restore -j schedules them
 * (staged-work.ts): a table's index builds start once its rows are in.
 *
 * A control transaction holds the `setup` lock (advisory-locks.ts: one filler of an empty database at a time) from the start to that final
 * commit: two restores (or a restore and a setup) into one database
 * serialize, and the second finds the target not empty. The target's
 * emptiness is checked at the start and again inside the final transaction,
 * so a restore into a database another session wrote meanwhile is refused
 * and leaves that session's data as it was.
 *
 * Crash (kill -9 at any point): the control transaction dies with its
 * connection, so `public` is as it was; the staging schema may remain and
 * is dropped by the next restore into the database (under the lock, so
 * never a live restore's). A failure drops it at once.
 */
import { randomBytes } from 'node:crypto';
import type { Database, Transaction } from '../db/database.js';
import { isEmptyDatabase, schemaVersion } from '../db/migrate.js';
import { SmgrError } from '../errors/smgr-error.js';
import type { DatabasePlan } from './archive-format.js';
import { checkArchive } from './check-archive.js';
import type { DeferredConstraints } from './deferred-constraints.js';
import { type Progress, reportStep } from './progress.js';
import type { RestoreDatabaseOptions, RestoreOutcome } from './restore-database.js';
import { lockTarget } from './restore-in-place.js';
import { acceptHeader, finishSchema, prepareSchema, useSchema } from './restore-schema.js';
import { StagedWork } from './staged-work.js';
import { serialColumns } from './table-plan.js';

const STAGING_PREFIX = 'smgr_restore_';

export async function restoreStaged(
  db: Database,
  o: RestoreDatabaseOptions,
  jobs: number,
): Promise<RestoreOutcome> {
  const staging = `${STAGING_PREFIX}${randomBytes(6).toString('hex')}`;
  const work = new StagedWork(db, staging, o.file, jobs, await connectionCheck(db));
  try {
    return await db.transaction(async (control) => {
      await lockTarget(control, o.progress);
      if (!o.replace && !(await isEmptyDatabase(control))) {
        throw new SmgrError('RESTORE_TARGET_NOT_EMPTY', { url: db.displayUrl });
      }
      await dropStaleStaging(db, o.progress);
      const outcome = await load(work, o);
      reportStep(o.progress, `building keys and indexes over ${jobs} connections, checking references`);
      await work.rebuild(outcome.deferred, outcome.sizes);
      await work.step((tx) => finishSchema(tx, staging, work.highest));
      await work.close();
      reportStep(o.progress, 'moving the restored tables into place');
      await moveIntoPlace(control, staging, db.displayUrl, o.replace ?? false);
      return {
        checked: outcome.checked,
        plan: outcome.plan,
        schemaVersion: await schemaVersion(control),
        jobs,
      };
    });
  } catch (e) {
    await work.close().catch(() => {});
    // After the control transaction has rolled back (its final move may hold locks on the staging schema).
    await db.exec(`DROP SCHEMA IF EXISTS "${staging}" CASCADE`).catch(() => {});
    throw e;
  }
}

/** The schema at the archive's version, then the rows over the pool, checked against the manifest. */
async function load(work: StagedWork, o: RestoreDatabaseOptions) {
  let plan: DatabasePlan | undefined;
  let deferred: DeferredConstraints | undefined;
  const checked = await checkArchive(o.file, o, {
    progress: o.progress,
    onHeader: async (h, authenticated) => {
      plan = acceptHeader(h, authenticated, o);
      const prepared = await work.step(async (tx) => {
        await tx.exec(`CREATE SCHEMA "${work.staging}"`);
        await useSchema(tx, work.staging);
        const d = await prepareSchema(tx, plan!, o.file, work.staging);
        return { d, serials: await serialColumns(tx, work.staging) };
      });
      deferred = prepared.d;
      work.defer(deferred, prepared.serials);
    },
    onSlice: async (database, table, data) => {
      if (database === 'ServiceManager') await work.loadSlice(table, data);
    },
  });
  // The manifest matched (checkArchive throws otherwise): now a refused slice is rows the schema refuses.
  await work.drain();
  const sizes = new Map(checked.manifest.databases[0]!.tables.map((t) => [t.name, t.bytes]));
  return { checked, plan: plan!, deferred: deferred!, sizes };
}

/**
 * The final transaction (the control one): the target still empty (or, with
 * replace, its public schema dropped only now), every object of the staging
 * schema moved into `public`, the staging schema dropped (it must be empty).
 */
async function moveIntoPlace(tx: Transaction, staging: string, url: string, replace: boolean): Promise<void> {
  if (replace) await tx.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
  else if (!(await isEmptyDatabase(tx))) throw new SmgrError('RESTORE_TARGET_NOT_EMPTY', { url });
  const q = `"${staging}"`;
  const relations = await tx.query<{ name: string; kind: string }>(
    `SELECT c.relname AS name, c.relkind::text AS kind
       FROM pg_catalog.pg_class c
      WHERE c.relnamespace = $1::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                         WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i'))
        AND NOT c.relispartition
      ORDER BY c.relname`,
    [staging],
  );
  const kinds: Record<string, string> = {
    r: 'TABLE',
    p: 'TABLE',
    v: 'VIEW',
    m: 'MATERIALIZED VIEW',
    f: 'FOREIGN TABLE',
    S: 'SEQUENCE',
  };
  for (const r of relations.rows) {
    await tx.query(`ALTER ${kinds[r.kind]} ${q}."${r.name.replace(/"/g, '""')}" SET SCHEMA public`);
  }
  const routines = await tx.query<{ name: string; args: string }>(
    `SELECT p.proname AS name, pg_get_function_identity_arguments(p.oid) AS args
       FROM pg_catalog.pg_proc p WHERE p.pronamespace = $1::regnamespace`,
    [staging],
  );
  for (const r of routines.rows) {
    await tx.query(`ALTER ROUTINE ${q}."${r.name.replace(/"/g, '""')}"(${r.args}) SET SCHEMA public`);
  }
  const types = await tx.query<{ name: string }>(
    `SELECT t.typname AS name FROM pg_catalog.pg_type t
      WHERE t.typnamespace = $1::regnamespace AND t.typtype IN ('e', 'd', 'r', 'm', 'c')
        AND (t.typtype <> 'c' OR (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c')
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type e WHERE e.typarray = t.oid)`,
    [staging],
  );
  for (const t of types.rows) {
    await tx.query(`ALTER TYPE ${q}."${t.name.replace(/"/g, '""')}" SET SCHEMA public`);
  }
  await tx.exec(`DROP SCHEMA ${q}`);
}

/** Drops what interrupted restores left: only called under the `setup` lock (advisory-locks.ts: one filler of an empty database at a time), so no live restore's. */
async function dropStaleStaging(db: Database, progress?: Progress): Promise<void> {
  const stale = await db.query<{ name: string }>(
    `SELECT nspname AS name FROM pg_catalog.pg_namespace WHERE starts_with(nspname, $1) ORDER BY 1`,
    [STAGING_PREFIX],
  );
  for (const { name } of stale.rows) {
    reportStep(progress, `removing ${name}, left by an interrupted restore`);
    await db.exec(`DROP SCHEMA "${name.replace(/"/g, '""')}" CASCADE`);
  }
}

/** Whether the server can notice a dead client mid-statement (PostgreSQL 14 and later). */
async function connectionCheck(db: Database): Promise<boolean> {
  const r = await db.query<{ ok: boolean }>(
    "SELECT current_setting('client_connection_check_interval', true) IS NOT NULL AS ok",
  );
  return r.rows[0]?.ok === true;
}
