/**
 * The management server's checks of smgr doctor (ARCHITECTURE §5 step 5):
 * config and database name the same group, schema, registration, the
 * workflow lease, every key record against secure storage, key backups, and
 * every sealed value opening. Read-only: it changes nothing, whatever it
 * finds. Sealed values are read a page at a time (memory flat whatever their
 * number) and named by table and row id, never shown.
 */

import type { ManagementServerConfig } from '../config/management-server-config.js';
import type { Database, QueryResult } from '../db/database.js';
import { latestVersion, schemaVersion } from '../db/migrate.js';
import { serviceManagerMigrations } from '../db/migrations/service-manager.js';
import { kekMatches, unwrapDek } from '../keys/key-hierarchy.js';
import { listKeyRecords } from '../keys/key-records.js';
import { SecretSealer } from '../keys/secret-sealer.js';
import { requireManagementGroup } from '../management-group/management-group.js';
import { getRegistration } from '../management-group/registration.js';
import type { DoctorCheck } from '../recovery/doctor-check.js';
import { checkWorkflowLease } from '../recovery/lease-check.js';
import type { SecureStorage } from '../secure-storage/secure-storage.js';
import { portalComputerChecks } from './portal-store.js';
import { runAsPasswordContext } from './run-as-secrets.js';

/** Sealed values read per query: memory stays flat whatever their number. */
const SEALED_PAGE = 1000;

export async function managementServerChecks(
  db: Database,
  computerName: string,
  storage: SecureStorage,
  config: ManagementServerConfig,
): Promise<DoctorCheck[]> {
  const group = await requireManagementGroup(db);
  return [
    checkGroup(group, config),
    await checkSchema(db),
    await checkRegistration(db, computerName),
    await checkWorkflowLease(db),
    ...(await checkKeys(db, storage, config.keyId)),
    ...(await portalComputerChecks(db)), // issue 12: the Self-Service Portal
  ];
}

function checkGroup(group: { id: string; name: string }, config: ManagementServerConfig): DoctorCheck {
  return group.id === config.managementGroup.id
    ? { name: 'management group', state: 'pass', detail: `config and database agree: ${group.name}` }
    : {
        name: 'management group',
        state: 'fail',
        detail: `config.json names ${config.managementGroup.name}, the database holds ${group.name}`,
        remedy:
          'Point the config at the right database, or set this computer up again with --existing-database.',
      };
}

async function checkSchema(db: Database): Promise<DoctorCheck> {
  const found = await schemaVersion(db);
  const known = latestVersion(serviceManagerMigrations);
  return found === known
    ? { name: 'schema', state: 'pass', detail: `ServiceManager schema version ${found}` }
    : {
        name: 'schema',
        state: 'fail',
        detail: `ServiceManager schema version ${found}, this smgr expects ${known}`,
        remedy: found < known ? 'Run smgr serve once to apply migrations.' : 'Upgrade smgr.',
      };
}

async function checkRegistration(db: Database, computerName: string): Promise<DoctorCheck> {
  const reg = await getRegistration(db, computerName, 'management-server');
  return reg
    ? {
        name: 'registration',
        state: 'pass',
        detail: `${computerName} is registered as ${reg.role} management server`,
      }
    : {
        name: 'registration',
        state: 'fail',
        detail: `${computerName} is not registered`,
        remedy: 'Run smgr setup management-server --existing-database on this computer.',
      };
}

async function checkKeys(db: Database, storage: SecureStorage, needed: string): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const records = await listKeyRecords(db);
  const sealers = new Map<string, SecretSealer>();
  for (const record of records) {
    const local = storage.getKey(record.keyId);
    if (!local) {
      if (record.keyId === needed) {
        checks.push({
          name: `key ${record.keyId}`,
          state: 'fail',
          detail: `the ${record.part} key is not in secure storage`,
          remedy: 'smgr key restore --file <key backup file>',
        });
      }
      continue;
    }
    if (!kekMatches(local.kek, record.keyId, record.verifier)) {
      checks.push({
        name: `key ${record.keyId}`,
        state: 'fail',
        detail: 'the key in secure storage does not match its record in the database',
        remedy: 'smgr key restore --file <key backup file> --force',
      });
      continue;
    }
    sealers.set(
      record.keyId,
      new SecretSealer(record.keyId, unwrapDek(local.kek, record.keyId, record.wrappedDek)),
    );
    checks.push({ name: `key ${record.keyId}`, state: 'pass', detail: `the ${record.part} key verifies` });
    checks.push(
      record.lastBackupAt
        ? {
            name: `key backup ${record.keyId}`,
            state: 'pass',
            detail: `last backed up ${record.lastBackupAt.toISOString()}`,
          }
        : {
            name: `key backup ${record.keyId}`,
            state: 'warn',
            detail: 'this key has never been backed up',
            remedy: 'smgr key backup --file <path outside this computer>',
          },
    );
  }
  checks.push(await checkSealedValues(db, sealers));
  return checks;
}

/** Opens every sealed value (without keeping it), a page at a time; names the rows that do not open. */
async function checkSealedValues(db: Database, sealers: Map<string, SecretSealer>): Promise<DoctorCheck> {
  const failed: string[] = [];
  let total = 0;
  let after: string | null = null;
  for (;;) {
    const page: QueryResult<{ id: string; name: string; key_id: string; password_sealed: Buffer }> =
      await db.query<{ id: string; name: string; key_id: string; password_sealed: Buffer }>(
        `SELECT id, name, key_id, password_sealed FROM run_as_accounts
       WHERE $1::uuid IS NULL OR id > $1::uuid ORDER BY id LIMIT $2`,
        [after, SEALED_PAGE],
      );
    for (const row of page.rows) {
      const sealer = sealers.get(row.key_id);
      try {
        if (!sealer) throw new Error('no key');
        sealer.open(row.password_sealed, runAsPasswordContext(row.id));
      } catch {
        if (failed.length < 50) failed.push(`run_as_accounts ${row.id} (${row.name})`);
        else failed.push('');
      }
    }
    total += page.rowCount;
    if (page.rowCount < SEALED_PAGE) break;
    after = page.rows[page.rows.length - 1]!.id;
  }
  if (failed.length === 0) {
    return { name: 'sealed values', state: 'pass', detail: `${total} of ${total} sealed values open` };
  }
  const named = failed.filter(Boolean);
  const more = failed.length - named.length;
  return {
    name: 'sealed values',
    state: 'fail',
    detail: `${total - failed.length} of ${total} sealed values open; these do not: ${named.join(', ')}${more ? ` and ${more} more` : ''}`,
    remedy: 'Restore the key that sealed them (smgr key restore), or set those credentials again.',
  };
}
