/**
 * Setup with a new database: creates the ServiceManager schema, the
 * management group, its KEK and key record, this computer's registration
 * (part management-server, role workflow), the workflow lease (held by this
 * computer, token 1, claimed when it first serves) and the first administrator.
 *
 * Order, so that a failure at any step changes nothing that matters:
 *  1. refuse if this home is installed or the database is not empty;
 *  2. write the new KEK to secure storage (a new file; harmless alone);
 *  3. one database transaction: schema, group, key record, computer, admin;
 *  4. write config.json.
 * If 3 fails, the key file of step 2 is removed (and an embedded database
 * directory this setup created). A crash between 2 and 3 leaves an orphan key
 * file that no database references; between 3 and 4 a group whose setup can
 * be finished with --existing-database (the key is already in place).
 */

import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { audit } from '../audit/audit.js';
import { firstMissingAncestor } from '../computer/first-missing-ancestor.js';
import { defaultDatabaseUrl, type HomePaths } from '../computer/home.js';
import { DEFAULT_LISTEN, installPart, refuseInstalledPart } from '../config/config-file.js';
import type { Database, Queryable } from '../db/database.js';
import { parseDatabaseUrl } from '../db/database-url.js';
import { isEmptyDatabase, migrateInTransaction } from '../db/migrate.js';
import { serviceManagerMigrations } from '../db/migrations/service-manager.js';
import { openDatabase } from '../db/open-database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { newBackupIdentity } from '../keys/backup-identity.js';
import { newKek, newKeyId } from '../keys/key-hierarchy.js';
import { insertKeyRecord } from '../keys/key-records.js';
import { hashPassword } from '../keys/password-hash.js';
import { importBuiltInPacks } from '../management-packs/import-pack.js';
import { validateGroupName, validatePassword, validateUsername } from '../schema/validate-names.js';
import { SecureStorage } from '../secure-storage/secure-storage.js';
import { leaseSettings } from './lease-settings.js';
import { findManagementGroup } from './management-group.js';
import { registerComputer } from './registration.js';
import { initLease } from './workflow-lease.js';

export interface SetupNewOptions {
  home: HomePaths;
  computerName: string;
  groupName: string;
  databaseUrl?: string;
  adminUser: string;
  adminPassword: string;
  listen?: string;
}

import type { SetupResult } from '../parts/part.js';

export type { SetupResult };

/** After setup of a management server: back up the key first (without it there is no recovery). */
export const MANAGEMENT_SERVER_NEXT_STEPS = [
  'back up the encryption key now. Without it this management server cannot be recovered:',
  'smgr key backup --file <path outside this computer>',
];

export async function setupNewDatabase(o: SetupNewOptions): Promise<SetupResult> {
  validateGroupName(o.groupName);
  validateUsername(o.adminUser);
  validatePassword(o.adminPassword);
  const { leaseMs } = leaseSettings(undefined);
  refuseInstalledPart(o.home, 'management-server');
  const url = o.databaseUrl ?? defaultDatabaseUrl(o.home);
  const parsed = parseDatabaseUrl(url);
  // Checks permissions of an existing store; creates nothing until the checks pass.
  const storage = SecureStorage.open(o.home.secureStorage);
  const createdDirs = [
    firstMissingAncestor(o.home.secureStorage),
    parsed.dataDir && firstMissingAncestor(parsed.dataDir),
  ];

  let db: Database | undefined;
  const keyId = newKeyId('mg');
  const kek = newKek();
  const group = { id: randomUUID(), name: o.groupName };
  const backupKeys = await newBackupIdentity();
  let keyWritten = false;
  try {
    db = await openDatabase(url);
    await refuseNonEmpty(db, db.displayUrl);
    const passwordHash = await hashPassword(o.adminPassword);
    storage.putKey({
      keyId,
      part: 'management-group',
      managementGroupId: group.id,
      managementGroupName: group.name,
      kek,
      createdAt: new Date().toISOString(),
    });
    keyWritten = true;
    storage.putBackupIdentity(group.id, backupKeys.identity);
    await db.transaction(async (tx) => {
      // Two setups racing into one empty database: the second waits here, then finds the first's group.
      await tx.lock('setup');
      await refuseNonEmpty(tx, parsed.displayUrl);
      await migrateInTransaction(tx, serviceManagerMigrations);
      await tx.query('INSERT INTO management_group (id, name, backup_recipient) VALUES ($1, $2, $3)', [
        group.id,
        group.name,
        backupKeys.recipient,
      ]);
      await insertKeyRecord(tx, keyId, 'management-group', kek);
      await registerComputer(tx, o.computerName, 'management-server', 'workflow');
      await initLease(tx, o.computerName, `setup@${o.computerName}`, leaseMs);
      await tx.query("INSERT INTO users (username, password_hash, role) VALUES ($1, $2, 'administrator')", [
        o.adminUser,
        passwordHash,
      ]);
      await audit(tx, `setup@${o.computerName}`, 'management-group.created', group.name, { keyId });
      // Issue 10: smgr's built-in sealed packs (classes, statuses, priorities), new or upgraded.
      await importBuiltInPacks(tx, `setup@${o.computerName}`);
    });
  } catch (e) {
    await db?.close().catch(() => {});
    db = undefined;
    if (keyWritten) {
      storage.retireKeyFile(keyId);
      storage.removeNewBackupIdentity(group.id);
    }
    for (const dir of createdDirs) if (dir) fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  } finally {
    await db?.close();
  }

  installPart(o.home, o.computerName, 'management-server', {
    managementGroup: group,
    database: parsed.url,
    keyId,
    listen: o.listen ?? DEFAULT_LISTEN,
  });
  return {
    part: 'management-server',
    managementGroup: group,
    computerName: o.computerName,
    role: 'workflow',
    databases: [parsed.displayUrl],
    keyId,
    configPath: o.home.config,
    rebound: false,
    next: MANAGEMENT_SERVER_NEXT_STEPS,
  };
}

async function refuseNonEmpty(db: Queryable, url: string): Promise<void> {
  const group = await findManagementGroup(db);
  if (group) throw new SmgrError('DATABASE_NOT_EMPTY', { url, group: group.name });
  if (!(await isEmptyDatabase(db))) throw new SmgrError('DATABASE_HAS_TABLES', { url });
}
