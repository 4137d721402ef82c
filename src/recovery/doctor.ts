/**
 * smgr doctor: the checks an administrator runs after a recovery
 * (ARCHITECTURE §5 step 5). Read-only: it changes nothing, whatever it finds.
 * Each check is pass, warn or fail, with a remedy when not pass; the report
 * passes when no check fails. Sealed values are named by table and row id,
 * never shown.
 */
import type { SmgrConfig } from '../computer/config-file.js';
import type { Database } from '../db/database.js';
import { latestVersion, schemaVersion } from '../db/migrate.js';
import { serviceManagerMigrations } from '../db/migrations/service-manager.js';
import { kekMatches, unwrapDek } from '../keys/key-hierarchy.js';
import { listKeyRecords } from '../keys/key-records.js';
import { SecretSealer } from '../keys/secret-sealer.js';
import { requireManagementGroup } from '../management-group/management-group.js';
import { getRegistration } from '../management-group/registration.js';
import type { SecureStorage } from '../secure-storage/secure-storage.js';
import { checkWorkflowLease } from './lease-check.js';

export type CheckState = 'pass' | 'warn' | 'fail';

export interface DoctorCheck {
  name: string;
  state: CheckState;
  detail: string;
  remedy?: string;
}

export interface DoctorReport {
  ok: boolean;
  managementGroup: { id: string; name: string };
  computerName: string;
  checks: DoctorCheck[];
}

export async function runDoctor(
  db: Database,
  config: SmgrConfig,
  storage: SecureStorage,
): Promise<DoctorReport> {
  const group = await requireManagementGroup(db);
  const checks: DoctorCheck[] = [
    await checkGroup(group, config),
    await checkSchema(db),
    await checkRegistration(db, config.computerName),
    await checkWorkflowLease(db),
    ...(await checkKeys(db, storage, config)),
  ];
  return {
    ok: checks.every((c) => c.state !== 'fail'),
    managementGroup: { id: group.id, name: group.name },
    computerName: config.computerName,
    checks,
  };
}

async function checkGroup(group: { id: string; name: string }, config: SmgrConfig): Promise<DoctorCheck> {
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

async function checkKeys(db: Database, storage: SecureStorage, config: SmgrConfig): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const records = await listKeyRecords(db);
  const sealers = new Map<string, SecretSealer>();
  const needed = config.managementServer?.keyId;
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

/** Opens every sealed value (without keeping it); names the rows that do not open. */
async function checkSealedValues(db: Database, sealers: Map<string, SecretSealer>): Promise<DoctorCheck> {
  const rows = await db.query<{ id: string; name: string; key_id: string; password_sealed: Buffer }>(
    'SELECT id, name, key_id, password_sealed FROM run_as_accounts ORDER BY id',
  );
  const failed: string[] = [];
  for (const row of rows.rows) {
    const sealer = sealers.get(row.key_id);
    try {
      if (!sealer) throw new Error('no key');
      sealer.open(row.password_sealed, { table: 'run_as_accounts', column: 'password_sealed', row: row.id });
    } catch {
      failed.push(`run_as_accounts ${row.id} (${row.name})`);
    }
  }
  const total = rows.rowCount;
  if (failed.length === 0) {
    return { name: 'sealed values', state: 'pass', detail: `${total} of ${total} sealed values open` };
  }
  return {
    name: 'sealed values',
    state: 'fail',
    detail: `${total - failed.length} of ${total} sealed values open; these do not: ${failed.join(', ')}`,
    remedy: 'Restore the key that sealed them (smgr key restore), or set those credentials again.',
  };
}
