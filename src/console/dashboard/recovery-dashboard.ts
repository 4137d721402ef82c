/**
 * Everything the recovery dashboard shows (issue 14 item 3), read in one
 * go: readiness with its reasons (src/recovery/readiness.ts), the timeline
 * of backups and drills, key backup state per key and computer, the last
 * recorded doctor result and the runbook step that applies now. A database
 * whose schema predates the evidence tables (v8) answers readiness and
 * timeline as not available. Read-only.
 */
import type { Queryable } from '../../db/database.js';
import type { Readiness } from '../../recovery/readiness.js';
import { type BackupTimeline, backupTimeline } from './backup-timeline.js';
import { type KeyBackupState, keyBackupStates } from './key-backup-state.js';
import { type LastDoctorRun, lastDoctorResult } from './last-doctor-result.js';
import { type RunbookStep, runbookStep } from './runbook-step.js';

export interface RecoveryDashboard {
  /** When this was read (ISO). */
  at: string;
  readiness: Readiness | null;
  timeline: BackupTimeline | null;
  keys: KeyBackupState[];
  doctor: LastDoctorRun | null;
  step: RunbookStep | null;
}

export async function readRecoveryDashboard(
  db: Queryable,
  readiness: (() => Promise<Readiness | undefined>) | undefined,
  now: Date = new Date(),
): Promise<RecoveryDashboard> {
  const evidence = await hasEvidenceTables(db);
  const r = evidence && readiness ? await readiness() : undefined;
  const keys = await keyBackupStates(db);
  const doctor = evidence ? await lastDoctorResult(db) : undefined;
  return {
    at: now.toISOString(),
    readiness: r ?? null,
    // The timeline ends at the minute, so the live region changes when the evidence does, not every poll.
    timeline: evidence
      ? await backupTimeline(db, new Date(Math.ceil(now.getTime() / 60_000) * 60_000))
      : null,
    keys,
    doctor: doctor ?? null,
    step: runbookStep(r, keys, doctor) ?? null,
  };
}

async function hasEvidenceTables(db: Queryable): Promise<boolean> {
  const r = await db.query<{ present: boolean }>(
    `SELECT to_regclass('archive_checks') IS NOT NULL AS present`,
  );
  return r.rows[0]?.present === true;
}
