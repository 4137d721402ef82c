/**
 * Setup with "use an existing database" (ARCHITECTURE §5, step 3): recovery
 * of a management server under the same computer name, or a new secondary.
 *
 * Every check runs before anything is written, so a refusal changes nothing:
 *  - this home has nothing installed;
 *  - the database holds a management group (an embedded directory that does
 *    not exist is never created here);
 *  - the group's KEK is in secure storage and verifies (restore the key
 *    BEFORE setup — invariant 2);
 *  - a registration under this name is not alive (unless --force; --wait
 *    waits until it is not: require-name-free.ts);
 *  - an embedded group holds one management server.
 * Then, in one transaction: pending migrations, the registration (new
 * secondary) or an audit row (rebind); then config.json. A crash before the
 * config is written leaves a registration that a rerun rebinds to; with a
 * `recoveryId` (smgr recover), the audit row carries it and a rerun that
 * finds it writes nothing more to the database.
 */

import fs from 'node:fs';
import { audit } from '../audit/audit.js';
import type { HomePaths } from '../computer/home.js';
import { DEFAULT_LISTEN, installPart, refuseInstalledPart } from '../config/config-file.js';
import type { Database, Queryable } from '../db/database.js';
import { parseDatabaseUrl } from '../db/database-url.js';
import { migrateInTransaction } from '../db/migrate.js';
import { serviceManagerMigrations } from '../db/migrations/service-manager.js';
import { openDatabase } from '../db/open-database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { unlockKey } from '../keys/unlock-key.js';
import { importBuiltInPacks } from '../management-packs/import-pack.js';
import { SecureStorage } from '../secure-storage/secure-storage.js';
import { requireManagementGroup } from './management-group.js';
import { listRegistrations, registerComputer } from './registration.js';
import { type NameFreeOptions, requireNameFree } from './require-name-free.js';
import { MANAGEMENT_SERVER_NEXT_STEPS, type SetupResult } from './setup-new-database.js';

export interface SetupExistingOptions extends NameFreeOptions {
  home: HomePaths;
  computerName: string;
  databaseUrl: string;
  listen?: string;
  /** smgr recover's journal id: tags the audit row, so a resumed recovery records the rebind once. */
  recoveryId?: string;
}

export async function setupExistingDatabase(o: SetupExistingOptions): Promise<SetupResult> {
  refuseInstalledPart(o.home, 'management-server');
  const parsed = parseDatabaseUrl(o.databaseUrl);
  if (parsed.dataDir && !fs.existsSync(parsed.dataDir)) {
    throw new SmgrError('DATABASE_NO_GROUP', { url: parsed.displayUrl });
  }
  const storage = SecureStorage.open(o.home.secureStorage);
  const db = await openDatabase(o.databaseUrl);
  try {
    const plan = await check(db, storage, o);
    const tag = o.recoveryId ? { recovery: o.recoveryId } : {};
    await db.transaction(async (tx) => {
      if (o.recoveryId && (await recordedByRecovery(tx, o.computerName, o.recoveryId))) return;
      await migrateInTransaction(tx, serviceManagerMigrations);
      // Issue 10: smgr's built-in sealed packs (classes, statuses, priorities), new or upgraded.
      await importBuiltInPacks(tx, `setup@${o.computerName}`);
      if (plan.rebound) {
        await audit(tx, `setup@${o.computerName}`, 'management-server.rebound', o.computerName, {
          forced: !!o.force,
          ...tag,
        });
      } else {
        await registerComputer(tx, o.computerName, 'management-server', 'secondary');
        await audit(tx, `setup@${o.computerName}`, 'management-server.registered', o.computerName, tag);
      }
    });
    const managementGroup = { id: plan.group.id, name: plan.group.name };
    installPart(o.home, o.computerName, 'management-server', {
      managementGroup,
      database: parsed.url,
      keyId: plan.group.keyId,
      listen: o.listen ?? DEFAULT_LISTEN,
    });
    return {
      part: 'management-server',
      managementGroup,
      computerName: o.computerName,
      role: plan.role,
      databases: [parsed.displayUrl],
      keyId: plan.group.keyId,
      configPath: o.home.config,
      rebound: plan.rebound,
      next: MANAGEMENT_SERVER_NEXT_STEPS,
    };
  } finally {
    await db.close();
  }
}

/** True when this recovery's setup already committed its registration or rebind (it was interrupted after). */
async function recordedByRecovery(db: Queryable, computerName: string, recoveryId: string): Promise<boolean> {
  const r = await db.query(
    `SELECT 1 FROM audit_log WHERE target = $1 AND details->>'recovery' = $2
        AND action IN ('management-server.rebound', 'management-server.registered')`,
    [computerName, recoveryId],
  );
  return r.rows.length > 0;
}

/** Every refusal, read-only. */
async function check(db: Database, storage: SecureStorage, o: SetupExistingOptions) {
  const group = await requireManagementGroup(db);
  await unlockKey(db, storage, group.keyId, group.name);
  const reg = await requireNameFree(db, o.computerName, 'management-server', o);
  if (!reg && db.singleProcess) {
    const others = (await listRegistrations(db)).filter((r) => r.part === 'management-server');
    if (others.length > 0) {
      throw new SmgrError('EMBEDDED_SINGLE_SERVER', {
        computer: others[0]!.computerName,
        given: o.computerName,
      });
    }
  }
  const role: 'workflow' | 'secondary' = reg
    ? reg.role === 'workflow'
      ? 'workflow'
      : 'secondary'
    : 'secondary';
  return { group, rebound: reg !== undefined, role };
}
