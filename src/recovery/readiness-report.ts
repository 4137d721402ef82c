/**
 * Readiness (readiness.ts) where an administrator looks: `smgr status` (the
 * management server's details and summary lines, and a warning when not
 * recoverable), and `smgr doctor` (one check per reason; a "no" is a
 * warning, not a failure, since a freshly recovered group has no drill
 * yet). Warnings and doctor checks only once config.json sets recovery
 * objectives (`backups`), so a group that never asked is not nagged. A database whose schema predates the evidence tables (v8) has no
 * readiness until smgr serve migrates it. Read-only.
 */
import type { ManagementServerConfig } from '../config/management-server-config.js';
import type { Queryable } from '../db/database.js';
import type { PartStatus } from '../parts/part.js';
import type { DoctorCheck } from './doctor-check.js';
import {
  assessReadiness,
  type Readiness,
  type ReadinessSource,
  type RecoveryObjectives,
} from './readiness.js';

export async function readinessOf(
  db: Queryable,
  config: RecoveryObjectives | Pick<ManagementServerConfig, 'backups'>,
  /** drill-child: the data warehouse's evidence is in DWStagingAndConfig (dw-readiness.ts). */
  source?: ReadinessSource,
): Promise<Readiness | undefined> {
  const r = await db.query<{ present: boolean }>(
    `SELECT to_regclass('archive_checks') IS NOT NULL AS present`,
  );
  return r.rows[0]?.present ? assessReadiness(db, config, new Date(), source) : undefined;
}

/**
 * A "no" is a warning (stderr) only when config.json sets recovery objectives
 * (`backups`); otherwise it shows in the summary and --json alone.
 */
export function withReadiness(
  status: PartStatus,
  readiness: Readiness | undefined,
  objectivesSet: boolean,
): PartStatus {
  if (!readiness) return status;
  const no = readiness.reasons.filter((r) => !r.ok);
  const value = readiness.recoverable
    ? 'YES'
    : `NO — ${no.map((r) => `${r.detail} (remedy: ${r.remedy})`).join('; ')}`;
  const d = readiness.lastDrill;
  const lines = [{ label: 'Recoverable now', value }];
  if (readiness.newestVerifiedArchive) {
    const a = readiness.newestVerifiedArchive;
    lines.push({
      label: 'Newest verified',
      value: `${a.archive}, ${a.ageMinutes} min old (RPO ${readiness.rpoMinutes} min)`,
    });
  }
  if (d) {
    lines.push({
      label: 'Last drill',
      value: `${d.ok ? 'passed' : 'FAILED'} ${d.finishedAt} on ${d.archive}${d.rtoMs !== null ? `, RTO ${(d.rtoMs / 1000).toFixed(1)} s` : ''}${d.ok ? '' : `: ${d.error}`}`,
    });
  }
  const run = readiness.lastScheduledRun;
  if (run) {
    lines.push({
      label: 'Last scheduled',
      value: `${run.outcome ?? 'running'} ${run.finishedAt ?? run.slot} on ${run.holder}${run.archive ? `, ${run.archive}` : ''}${run.outcome === 'failed' ? `: ${run.error}` : ''}`,
    });
  }
  return {
    ...status,
    summary: [...status.summary, ...lines],
    details: { ...status.details, recovery: readiness },
    warnings: [
      ...status.warnings,
      ...(readiness.recoverable || !objectivesSet
        ? []
        : [`Not recoverable now: ${no.map((r) => `${r.detail}; remedy: ${r.remedy}`).join(' | ')}`]),
    ],
  };
}

/** Doctor's checks of readiness, when config.json sets recovery objectives (`backups`). */
export function readinessChecks(readiness: Readiness | undefined, objectivesSet: boolean): DoctorCheck[] {
  if (!readiness || !objectivesSet) return [];
  return readiness.reasons.map((r) => ({
    name: `recovery ${r.check}${r.check === 'key-backup' ? ` ${r.subject}` : ''}`,
    state: r.ok ? 'pass' : 'warn',
    detail: r.detail,
    ...(r.remedy ? { remedy: r.remedy } : {}),
  }));
}
