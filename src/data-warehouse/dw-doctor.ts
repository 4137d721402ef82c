/**
 * The DW's checks of smgr doctor: config and DWStagingAndConfig name the
 * same group; each database's schema; this computer's registration; the DW
 * key against its record in DWStagingAndConfig and, once registered,
 * against its record in ServiceManager (through the management server's
 * API) with the DW's registration there; the watermark and the age of the
 * last successful extract. Read-only here; on the management server the
 * check signs in and out (an audit row, a token made and revoked).
 */
import { latestVersion, schemaVersion } from '../db/migrate.js';
import { SmgrError } from '../errors/smgr-error.js';
import { unlockKey } from '../keys/unlock-key.js';
import { getRegistration } from '../management-group/registration.js';
import type { DoctorCheck } from '../recovery/doctor-check.js';
import type { OpenedDataWarehouse } from './data-warehouse-part.js';
import { DW_DATABASES } from './dw-databases.js';
import { requireDwGroup } from './dw-group.js';
import { readSourceGroup } from './dw-source.js';
import { extractSettings } from './extract-settings.js';
import { lastSuccess, readWatermark } from './job-runs.js';
import { verifyAgainstSource } from './source-record-check.js';

const fromError = (name: string, e: unknown): DoctorCheck =>
  e instanceof SmgrError
    ? { name, state: 'fail', detail: e.message, remedy: e.remedy }
    : { name, state: 'fail', detail: (e as Error).message };

/**
 * `offline` (a restore drill's scratch copy, drill-child): the checks that would reach the
 * management server are left out (the live DW's doctor makes them).
 */
export async function dwChecks(
  dw: OpenedDataWarehouse,
  o: { offline?: boolean } = {},
): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const group = await requireDwGroup(dw.staging);
  checks.push(
    group.id === dw.config.managementGroup.id
      ? {
          name: 'DW management group',
          state: 'pass',
          detail: `config and DWStagingAndConfig agree: ${group.name}`,
        }
      : {
          name: 'DW management group',
          state: 'fail',
          detail: `config.json names ${dw.config.managementGroup.name}, DWStagingAndConfig holds ${group.name}`,
          remedy: 'Point the config at the right database, or set up again with --existing-database.',
        },
  );
  for (const spec of DW_DATABASES) {
    const found = await schemaVersion(dw[spec.role]);
    const known = latestVersion(spec.migrations);
    checks.push(
      found === known
        ? { name: `${spec.name} schema`, state: 'pass', detail: `schema version ${found}` }
        : {
            name: `${spec.name} schema`,
            state: found < known ? 'warn' : 'fail',
            detail: `schema version ${found}, this smgr knows ${known}`,
            remedy: 'smgr serve applies pending migrations; a newer database needs a newer smgr.',
          },
    );
  }
  const reg = await getRegistration(dw.staging, dw.computerName, 'data-warehouse');
  checks.push(
    reg
      ? {
          name: 'DW registration',
          state: 'pass',
          detail: `${dw.computerName} is the data warehouse server of ${group.name}`,
        }
      : {
          name: 'DW registration',
          state: 'fail',
          detail: `${dw.computerName} is not registered in DWStagingAndConfig`,
          remedy: 'Run smgr setup data-warehouse --existing-database --staging-database URL',
        },
  );
  let sealer: Awaited<ReturnType<typeof unlockKey>> | undefined;
  try {
    sealer = await unlockKey(dw.staging, dw.storage, dw.config.keyId, group.name);
    checks.push({
      name: 'DW key (DWStagingAndConfig)',
      state: 'pass',
      detail: `${dw.config.keyId} verifies against its record`,
    });
  } catch (e) {
    checks.push(fromError('DW key (DWStagingAndConfig)', e));
  }
  const source = await readSourceGroup(dw.staging);
  // drill-child: a scratch copy never calls the management server.
  if (o.offline) return [...checks, await extractCheck(dw)];
  if (!source) {
    checks.push({
      name: 'DW key (ServiceManager)',
      state: 'warn',
      detail: 'not registered with a Service Manager management group',
      remedy: 'smgr dw register --management-server URL --admin-user NAME',
    });
  } else if (sealer) {
    try {
      const record = await verifyAgainstSource(source, sealer, dw.storage);
      checks.push({
        name: 'DW key (ServiceManager)',
        state: 'pass',
        detail: `${dw.config.keyId} verifies against its record in ${source.name}`,
      });
      const r = record.registration;
      checks.push(
        r
          ? {
              name: 'DW registration in ServiceManager',
              state: 'pass',
              detail: `${record.dataWarehouse.computerName} registered in ${source.name}, ${r.alive ? 'alive' : 'not running'}, last heartbeat ${r.lastHeartbeat ?? 'never'}`,
            }
          : {
              name: 'DW registration in ServiceManager',
              state: 'fail',
              detail: `no computer registration in ${source.name}`,
              remedy: 'smgr dw register again',
            },
      );
    } catch (e) {
      checks.push(fromError('DW key (ServiceManager)', e));
    }
  }
  checks.push(await extractCheck(dw));
  return checks;
}

async function extractCheck(dw: OpenedDataWarehouse): Promise<DoctorCheck> {
  const name = 'extract';
  const wm = await readWatermark(dw.staging, 'extract');
  const last = await lastSuccess(dw.staging, 'extract');
  if (!last)
    return {
      name,
      state: 'warn',
      detail: 'no successful extract yet',
      remedy: 'smgr dw run extract (or wait for the schedule)',
    };
  const ageMs = Date.now() - Date.parse(last.finishedAt ?? last.startedAt);
  const limit = 3 * extractSettings(dw.config).intervalMs;
  const detail = `watermark ${wm?.position ?? 'none'}, last success ${Math.round(ageMs / 1000)} s ago`;
  return ageMs <= limit
    ? { name, state: 'pass', detail }
    : {
        name,
        state: 'warn',
        detail,
        remedy: 'Check that smgr serve runs here and reaches the management server; smgr dw run extract',
      };
}
