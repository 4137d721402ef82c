/**
 * The schema steps a restore takes around the rows, on both of its paths
 * (restore-in-place.ts, restore-staged.ts), in a transaction whose
 * search_path is the schema being filled:
 *
 * before the rows, prepareSchema(): the migrations up to the archive's
 * schema version, then a check that the header's plan names exactly the
 * tables and columns of that version (a header that lies about its version
 * is refused before any row is read), then the keys and indexes deferred;
 *
 * after them, finishSchema(): sequences past the restored rows, the servers
 * of the snapshot recorded as stopped and its workflow lease expired (no
 * server runs against a database restored a moment ago), and the
 * migrations up to this smgr's version.
 */
import type { Queryable, Transaction } from '../db/database.js';
import { latestVersion, type MigrationSet, migrateInTransaction } from '../db/migrate.js';
import { serviceManagerMigrations } from '../db/migrations/service-manager.js';
import { SmgrError } from '../errors/smgr-error.js';
import { type ArchiveHeader, type ArchivePart, archivePart, type DatabasePlan } from './archive-format.js';
import { type DeferredConstraints, deferConstraints } from './deferred-constraints.js';
import { fixSequences, planTables } from './table-plan.js';

/**
 * What a restore accepts, before any row: an authenticated archive (version
 * 2), or a version 1 archive when asked to (`allowUnauthenticated`); then
 * its ServiceManager database, refused if this smgr does not know its
 * schema version.
 */
export function acceptHeader(
  h: ArchiveHeader,
  authenticated: boolean,
  o: { file: string; allowUnauthenticated?: boolean },
): DatabasePlan {
  if (!authenticated && !o.allowUnauthenticated)
    throw new SmgrError('ARCHIVE_UNAUTHENTICATED', { path: o.file });
  return serviceManagerPlan(h, o.file);
}

/** The header's ServiceManager database, refused if this smgr does not know its schema version. */
export function serviceManagerPlan(h: ArchiveHeader, file: string): DatabasePlan {
  requirePart(h, 'management-server', file);
  const sm = h.databases.find((d) => d.name === 'ServiceManager');
  if (!sm)
    throw new SmgrError('ARCHIVE_MALFORMED', { path: file, reason: 'it holds no ServiceManager database' });
  const known = latestVersion(serviceManagerMigrations);
  if (sm.schemaVersion > known) {
    throw new SmgrError('SCHEMA_TOO_NEW', { database: 'ServiceManager', found: sm.schemaVersion, known });
  }
  return sm;
}

const RESTORE_COMMAND: Record<ArchivePart, string> = {
  'management-server': 'smgr restore database',
  'data-warehouse': 'smgr restore data-warehouse',
};

/** FORMAT §2.12: a restore of one part refuses another part's archive before any row. */
export function requirePart(h: ArchiveHeader, expected: ArchivePart, file: string): void {
  const found = archivePart(h);
  if (found !== expected) {
    throw new SmgrError('ARCHIVE_OTHER_PART', {
      path: file,
      found,
      expected,
      command: RESTORE_COMMAND[found],
    });
  }
}

/**
 * Sets the transaction's search_path to `schema` alone (pg_catalog is always
 * searched first), mutes the change feed, and sets `more` settings, all in
 * one round trip (a parallel restore takes this step for every 8 MiB slice).
 */
export async function useSchema(
  tx: Queryable,
  schema: string,
  more: Record<string, string> = {},
): Promise<void> {
  const settings: [string, string][] = [
    ['search_path', `"${schema.replace(/"/g, '""')}"`],
    ['smgr.change_feed', 'off'],
    ...Object.entries(more),
  ];
  const calls = settings.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`);
  await tx.query(`SELECT ${calls.join(', ')}`, settings.flat());
}

/** Restored rows are not new changes: the change feed's triggers (migration v6) stay silent in this transaction. */
export async function muteChangeFeed(tx: Queryable): Promise<void> {
  await tx.query("SELECT set_config('smgr.change_feed', 'off', true)");
}

export async function prepareSchema(
  tx: Transaction,
  plan: DatabasePlan,
  file: string,
  schema: string,
  /** The database's migrations (another part's database: FORMAT §2.12). */
  migrations: MigrationSet = serviceManagerMigrations,
): Promise<DeferredConstraints> {
  await muteChangeFeed(tx);
  await migrateInTransaction(tx, migrations, plan.schemaVersion);
  const actual = new Map((await planTables(tx, schema)).map((t) => [t.name, t.columns]));
  const planned = new Map(plan.tables.map((t) => [t.name, t.columns]));
  const bad = (what: string) =>
    new SmgrError('ARCHIVE_MALFORMED', {
      path: file,
      reason: `its header says ${plan.name} schema version ${plan.schemaVersion}, but ${what}`,
    });
  for (const [name, columns] of planned) {
    const has = actual.get(name);
    if (!has) throw bad(`that version has no table ${name}`);
    if (JSON.stringify(has) !== JSON.stringify(columns)) {
      throw bad(
        `table ${name} of that version has the columns (${has.join(', ')}), not (${columns.join(', ')})`,
      );
    }
  }
  for (const name of actual.keys()) if (!planned.has(name)) throw bad(`its plan leaves out table ${name}`);
  return deferConstraints(tx, schema);
}

/**
 * Tables that finishSchema writes after the rows were checked against the
 * manifest (the change feed's epoch), so a later count of them may differ
 * from the archive's: a drill recounting a restored database skips them.
 */
export const TABLES_WRITTEN_AFTER_RESTORE: readonly string[] = ['change_feed'];

/** `highest`: serial columns' maxima measured once their tables were loaded (fixSequences()). */
export async function finishSchema(
  tx: Transaction,
  schema: string,
  highest: ReadonlyMap<string, string | null> = new Map(),
): Promise<void> {
  await fixSequences(tx, schema, highest);
  // Servers alive in the snapshot are recorded as stopped, so setup --existing-database can rebind to them.
  await tx.query(
    'UPDATE computers SET stopped_at = now() WHERE stopped_at IS NULL AND last_heartbeat IS NOT NULL',
  );
  await migrateInTransaction(tx, serviceManagerMigrations);
  // The change feed (migration v6) starts a new epoch: this cluster's transaction ids may be lower than the archive's.
  await tx.query(
    'INSERT INTO change_feed (epoch) VALUES (2) ON CONFLICT (singleton) DO UPDATE SET epoch = change_feed.epoch + 1',
  );
  // Likewise the workflow lease of the snapshot: expired, so the rebuilt server need not wait it out.
  await tx.query(
    'UPDATE workflow_lease SET expires_at = least(expires_at, now()) WHERE expires_at IS NOT NULL',
  );
}
