/**
 * `smgr setup data-warehouse --new-database`: creates DWStagingAndConfig,
 * DWRepository and DWDataMart (each empty before; embedded in the home by
 * default), the DW management group, its KEK (secure storage, part
 * data-warehouse) and key record (DWStagingAndConfig), the DW's first
 * administrator and this computer's registration; then config.json.
 *
 * Order, so that a refusal or failure changes nothing:
 *  1. refuse if this home has a DW, names are invalid, two databases are the
 *     same, or any database is not empty — before anything is written;
 *  2. the KEK into secure storage (a new file);
 *  3. DWRepository's and DWDataMart's schemas, then one DWStagingAndConfig
 *     transaction (schema, group, key record, computer, admin, schedule);
 *  4. config.json.
 * If 2-3 fail, the key file is removed, the tables this setup created are
 * dropped, and embedded directories it created are removed. A crash between
 * 3 and 4 leaves a DW whose setup --existing-database finishes (the key is
 * in place); earlier, an orphan key file and schemas in databases that a
 * rerun reports as not empty.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { audit } from '../audit/audit.js';
import { firstMissingAncestor } from '../computer/first-missing-ancestor.js';
import type { HomePaths } from '../computer/home.js';
import { installPart, readConfig, refuseInstalledPart } from '../config/config-file.js';
import { DEFAULT_DW_LISTEN } from '../config/data-warehouse-config.js';
import type { Database } from '../db/database.js';
import { parseDatabaseUrl } from '../db/database-url.js';
import { isEmptyDatabase, migrateInTransaction } from '../db/migrate.js';
import { openDatabase } from '../db/open-database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { newKek, newKeyId } from '../keys/key-hierarchy.js';
import { insertKeyRecord } from '../keys/key-records.js';
import { hashPassword } from '../keys/password-hash.js';
import { registerComputer } from '../management-group/registration.js';
import type { SetupResult } from '../parts/part.js';
import { validateGroupName, validatePassword, validateUsername } from '../schema/validate-names.js';
import { SecureStorage } from '../secure-storage/secure-storage.js';
import { DW_DATABASES, type DwDatabaseRole, type DwDatabaseSpec, dwDefaultUrl } from './dw-databases.js';
import { DEFAULT_EXTRACT_INTERVAL_S } from './extract-settings.js';

export interface SetupNewDwOptions {
  home: HomePaths;
  computerName: string;
  groupName: string;
  adminUser: string;
  adminPassword: string;
  urls: Partial<Record<DwDatabaseRole, string>>;
  listen?: string;
}

export const DW_NEXT_STEPS = [
  'back up the encryption key now. Without it this data warehouse cannot be recovered:',
  'smgr key backup --file <path outside this computer>',
  'then register it with Service Manager: smgr dw register --management-server URL --admin-user NAME',
];

export async function setupNewDw(o: SetupNewDwOptions): Promise<SetupResult> {
  validateGroupName(o.groupName);
  validateUsername(o.adminUser);
  validatePassword(o.adminPassword);
  refuseInstalledPart(o.home, 'data-warehouse');
  const ms = readConfig(o.home)?.parts['management-server'];
  if (ms && ms.managementGroup.name === o.groupName)
    throw new SmgrError('DW_GROUP_NAME_TAKEN', { name: o.groupName });
  const specs = DW_DATABASES.map((spec) => {
    const parsed = parseDatabaseUrl(o.urls[spec.role] ?? dwDefaultUrl(o.home, spec));
    return { spec, parsed };
  });
  const urls = new Set(specs.map((s) => s.parsed.url));
  if (urls.size !== specs.length) {
    throw new SmgrError('USAGE', {
      detail: 'DWStagingAndConfig, DWRepository and DWDataMart need three different databases',
    });
  }
  const storage = SecureStorage.open(o.home.secureStorage);
  const createdDirs = [
    firstMissingAncestor(o.home.secureStorage),
    ...specs.map((s) => s.parsed.dataDir && firstMissingAncestor(s.parsed.dataDir)),
  ];
  const group = { id: randomUUID(), name: o.groupName };
  const keyId = newKeyId('dw');
  const kek = newKek();
  const opened: Array<{ spec: DwDatabaseSpec; db: Database }> = [];
  const migrated: Database[] = [];
  let keyWritten = false;
  try {
    for (const { spec, parsed } of specs) {
      const db = await openDatabase(parsed.url);
      opened.push({ spec, db });
      if (!(await isEmptyDatabase(db))) {
        throw new SmgrError('DW_DATABASE_NOT_EMPTY', {
          url: db.displayUrl,
          database: spec.name,
          flag: spec.flag,
        });
      }
    }
    const passwordHash = await hashPassword(o.adminPassword);
    storage.putKey({
      keyId,
      part: 'data-warehouse',
      managementGroupId: group.id,
      managementGroupName: group.name,
      kek,
      createdAt: new Date().toISOString(),
    });
    keyWritten = true;
    const [staging, ...others] = opened;
    for (const { spec, db } of others) {
      await fillEmpty(db, spec, async () => {});
      migrated.push(db);
    }
    await fillEmpty(staging!.db, staging!.spec, async (tx) => {
      await tx.query(
        'INSERT INTO dw_group (id, name, repository_database, datamart_database) VALUES ($1, $2, $3, $4)',
        [group.id, group.name, specs[1]!.parsed.url, specs[2]!.parsed.url],
      );
      await insertKeyRecord(tx, keyId, 'data-warehouse', kek);
      await registerComputer(tx, o.computerName, 'data-warehouse', 'data-warehouse');
      await tx.query("INSERT INTO users (username, password_hash, role) VALUES ($1, $2, 'administrator')", [
        o.adminUser,
        passwordHash,
      ]);
      await tx.query("INSERT INTO job_schedules (job, interval_seconds) VALUES ('extract', $1)", [
        DEFAULT_EXTRACT_INTERVAL_S,
      ]);
      await audit(tx, `setup@${o.computerName}`, 'data-warehouse.created', group.name, { keyId });
    });
  } catch (e) {
    for (const db of migrated) await dropOwnTables(db).catch(() => {});
    for (const { db } of opened) await db.close().catch(() => {});
    opened.length = 0;
    if (keyWritten) storage.retireKeyFile(keyId);
    for (const dir of createdDirs) if (dir) fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  } finally {
    for (const { db } of opened) await db.close();
  }
  installPart(o.home, o.computerName, 'data-warehouse', {
    managementGroup: group,
    keyId,
    databases: {
      staging: specs[0]!.parsed.url,
      repository: specs[1]!.parsed.url,
      datamart: specs[2]!.parsed.url,
    },
    listen: o.listen ?? DEFAULT_DW_LISTEN,
  });
  return {
    part: 'data-warehouse',
    managementGroup: group,
    computerName: o.computerName,
    role: 'data-warehouse',
    keyId,
    databases: specs.map((s) => `${s.spec.name} ${s.parsed.displayUrl}`),
    configPath: o.home.config,
    rebound: false,
    next: DW_NEXT_STEPS,
  };
}

/** One transaction: the setup lock, emptiness again (a racing setup), the schema, then `rows`. */
async function fillEmpty(
  db: Database,
  spec: DwDatabaseSpec,
  rows: (tx: Parameters<Parameters<Database['transaction']>[0]>[0]) => Promise<void>,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.lock('setup');
    if (!(await isEmptyDatabase(tx))) {
      throw new SmgrError('DW_DATABASE_NOT_EMPTY', {
        url: db.displayUrl,
        database: spec.name,
        flag: spec.flag,
      });
    }
    await migrateInTransaction(tx, spec.migrations);
    await rows(tx);
  });
}

/** Undoes fillEmpty() of a database this setup found empty: its views and tables go. */
async function dropOwnTables(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    const views = await tx.query<{ v: string }>(
      `SELECT viewname AS v FROM pg_catalog.pg_views WHERE schemaname = 'public'`,
    );
    for (const { v } of views.rows) await tx.query(`DROP VIEW IF EXISTS "${v.replace(/"/g, '""')}" CASCADE`);
    const tables = await tx.query<{ t: string }>(
      `SELECT tablename AS t FROM pg_catalog.pg_tables WHERE schemaname = 'public'`,
    );
    for (const { t } of tables.rows)
      await tx.query(`DROP TABLE IF EXISTS "${t.replace(/"/g, '""')}" CASCADE`);
  });
}
