/**
 * The DW's part of `smgr status`: its group, databases, key (against its
 * record in DWStagingAndConfig), its registrations (this computer in
 * DWStagingAndConfig; the source group it is registered with), the extract
 * watermark and the age of the last successful extract, every other job's
 * last run and last error (dw-jobs-overview.ts). Read-only, local:
 * `smgr doctor` is what asks the management server.
 */
import { schemaVersion } from '../db/migrate.js';
import { kekMatches } from '../keys/key-hierarchy.js';
import { listKeyRecords } from '../keys/key-records.js';
import { getRegistration } from '../management-group/registration.js';
import type { PartStatus } from '../parts/part.js';
import type { OpenedDataWarehouse } from './data-warehouse-part.js';
import { requireDwGroup } from './dw-group.js';
import { jobsOverview } from './dw-jobs-overview.js';
import { readSourceGroup } from './dw-source.js';
import { lastSuccess, listRuns, readWatermark } from './job-runs.js';

export async function collectDwStatus(dw: OpenedDataWarehouse): Promise<PartStatus> {
  const group = await requireDwGroup(dw.staging);
  const databases = [];
  for (const d of dw.databases) {
    databases.push({
      name: d.name,
      url: d.db.displayUrl,
      engine: d.db.engine,
      schemaVersion: await schemaVersion(d.db),
    });
  }
  const keys = (await listKeyRecords(dw.staging)).map((r) => {
    const local = dw.storage.getKey(r.keyId);
    return {
      keyId: r.keyId,
      part: r.part,
      inSecureStorage: local !== undefined,
      verifies: local !== undefined && kekMatches(local.kek, r.keyId, r.verifier),
      lastBackupAt: r.lastBackupAt?.toISOString() ?? null,
    };
  });
  const reg = await getRegistration(dw.staging, dw.computerName, 'data-warehouse');
  const source = await readSourceGroup(dw.staging);
  const watermark = await readWatermark(dw.staging, 'extract');
  const last = await lastSuccess(dw.staging, 'extract');
  const lastRun = (await listRuns(dw.staging, 'extract', 1))[0];
  const ageS = last?.finishedAt ? Math.round((Date.now() - Date.parse(last.finishedAt)) / 1000) : null;
  const warnings = keys
    .filter((k) => k.inSecureStorage && k.lastBackupAt === null)
    .map((k) => `Encryption key ${k.keyId} has never been backed up: run smgr key backup --file FILE now.`);
  if (!source) warnings.push(`Data warehouse "${group.name}" is not registered: run smgr dw register.`);
  const registration = source
    ? {
        group: { id: source.id, name: source.name },
        url: source.url,
        serviceAccount: source.username,
        registeredAt: source.registeredAt.toISOString(),
      }
    : null;
  const summary = [
    {
      label: 'Registered with',
      value: registration
        ? `${registration.group.name} at ${registration.url} (as ${registration.serviceAccount})`
        : 'nothing (smgr dw register)',
    },
    {
      label: 'Extract watermark',
      value: watermark ? `${watermark.position} (updated ${watermark.updatedAt.toISOString()})` : 'none yet',
    },
    {
      label: 'Last successful extract',
      value: last
        ? `${last.finishedAt} (${ageS} s ago), ${last.rows} changes in ${last.batches} batches`
        : 'never',
    },
  ];
  // --- dw-etl (issue 11): every job's last run and last error
  const jobs = await jobsOverview(
    { staging: dw.staging, repository: dw.repository, datamart: dw.datamart },
    5,
  );
  for (const j of jobs) {
    if (j.job === 'extract') continue;
    const last = j.lastRun;
    summary.push({
      label: `Last ${j.job}`,
      value: last
        ? `${last.outcome ?? 'running'} ${last.finishedAt ?? last.startedAt}, ${last.rows} rows in ${last.batches} batches`
        : 'never',
    });
    if (j.lastError)
      warnings.push(`The last ${j.job} run ${j.lastError.outcome}: ${j.lastError.error ?? 'no message'}`);
  }
  // --- end dw-etl
  if (lastRun && lastRun.outcome !== 'ok') {
    summary.push({
      label: 'Last extract run',
      value: `${lastRun.outcome ?? 'running'} ${lastRun.error ?? ''}`.trim(),
    });
  }
  return {
    part: 'data-warehouse',
    role: reg?.role ?? 'not registered',
    managementGroup: { id: group.id, name: group.name },
    databases,
    keys,
    summary,
    details: {
      registration,
      extract: {
        watermark: watermark?.position ?? null,
        lastSuccessAt: last?.finishedAt ?? null,
        lastSuccessAgeSeconds: ageS,
        lastRun: lastRun ?? null,
      },
      jobs: jobs.map(({ runs: _runs, ...j }) => j),
    },
    warnings,
  };
}
