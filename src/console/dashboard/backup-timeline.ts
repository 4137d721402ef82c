/**
 * The recovery dashboard's timeline (issue 14 item 3): the backups and the
 * restore drills of the last days, from the evidence ServiceManager keeps
 * (migration v8): `backup_runs` (scheduled backups: when, outcome, archive
 * size, duration) and `archive_checks` of kind drill (pass or fail, the
 * measured recovery time: restore plus time until the API answered).
 *
 * What the database does not hold is answered as absent, never invented:
 * an archive written by hand (`smgr backup create`) has no row until a
 * check or drill of it records one, so its size is not known here; a run
 * without outcome (running, or killed) has no duration. Read-only.
 */
import type { Queryable } from '../../db/database.js';

export const TIMELINE_DAYS = 30;

export interface TimelineBackup {
  /** When the backup started (ISO). */
  at: string;
  outcome: 'ok' | 'failed' | 'interrupted' | 'running';
  archive: string | null;
  /** Archive size in bytes; null when not recorded. */
  sizeBytes: number | null;
  /** Start to finish in ms; null while running or when interrupted. */
  durationMs: number | null;
  holder: string;
}

export interface TimelineDrill {
  /** When the drill finished (ISO). */
  at: string;
  archive: string;
  ok: boolean;
  /** Restore plus time until the API answered, in ms; null when the drill failed before measuring. */
  rtoMs: number | null;
  computerName: string;
  error: string | null;
}

export interface BackupTimeline {
  from: string;
  to: string;
  days: number;
  backups: TimelineBackup[];
  drills: TimelineDrill[];
}

interface RunRow extends Record<string, unknown> {
  started_at: Date;
  finished_at: Date | null;
  outcome: 'ok' | 'failed' | 'interrupted' | null;
  archive: string | null;
  size: string | null;
  holder: string;
}

interface DrillRow extends Record<string, unknown> {
  finished_at: Date;
  archive: string;
  ok: boolean;
  restore_ms: number | null;
  api_ms: number | null;
  computer_name: string;
  error: string | null;
}

export async function backupTimeline(
  db: Queryable,
  now: Date = new Date(),
  days = TIMELINE_DAYS,
): Promise<BackupTimeline> {
  const from = new Date(now.getTime() - days * 86_400_000);
  const runs = await db.query<RunRow>(
    `SELECT started_at, finished_at, outcome, archive, size, holder FROM backup_runs
      WHERE started_at >= $1 AND started_at <= $2 ORDER BY started_at, id`,
    [from, now],
  );
  const drills = await db.query<DrillRow>(
    `SELECT finished_at, archive, ok, restore_ms, api_ms, computer_name, error FROM archive_checks
      WHERE kind = 'drill' AND finished_at >= $1 AND finished_at <= $2 ORDER BY finished_at, id`,
    [from, now],
  );
  return {
    from: from.toISOString(),
    to: now.toISOString(),
    days,
    backups: runs.rows.map((r) => ({
      at: r.started_at.toISOString(),
      outcome: r.outcome ?? 'running',
      archive: r.archive,
      sizeBytes: r.size === null ? null : Number(r.size),
      durationMs:
        r.finished_at && r.outcome === 'ok' ? r.finished_at.getTime() - r.started_at.getTime() : null,
      holder: r.holder,
    })),
    drills: drills.rows.map((d) => ({
      at: d.finished_at.toISOString(),
      archive: d.archive,
      ok: d.ok,
      rtoMs: d.ok && d.restore_ms !== null ? d.restore_ms + (d.api_ms ?? 0) : null,
      computerName: d.computer_name,
      error: d.error,
    })),
  };
}
