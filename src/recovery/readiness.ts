/**
 * "Recoverable now: yes or no, and why" (issue 13 item 5), from evidence in
 * ServiceManager only, so every server of the group answers the same:
 *
 *  - keys: every key record (each part's key, used by that part's
 *    computers) has a key backup newer than the key's creation;
 *  - archive: the newest verified archive (archive_checks) is younger than
 *    the recovery point objective (backups.rpoMinutes, default 24 h);
 *  - drill: the last drill passed, and its measured recovery time (restore
 *    plus time until the API answered) is within the recovery time
 *    objective (backups.rtoMinutes, default 60 min);
 *  - management packs: no unsealed pack was imported, edited or removed
 *    after the newest verified archive was made (pack-readiness.ts).
 *
 * Every "no" names its remedy. Read-only.
 */
import type { ManagementServerConfig } from '../config/management-server-config.js';
import type { Queryable } from '../db/database.js';
import { listKeyRecords } from '../keys/key-records.js';
import { listRegistrations } from '../management-group/registration.js';
import { type ArchiveCheck, lastDrill, newestVerified } from './archive-checks.js';
import { packReason } from './pack-readiness.js';

export const DEFAULT_RPO_MINUTES = 24 * 60;
export const DEFAULT_RTO_MINUTES = 60;

export interface ReadinessReason {
  check: 'key-backup' | 'archive' | 'drill' | 'management-packs';
  ok: boolean;
  /** What it is about: a key id, an archive, a drill. */
  subject: string;
  /** The computers (and parts) this reason concerns, for key backups. */
  computers?: string[];
  detail: string;
  remedy?: string;
}

export interface Readiness {
  recoverable: boolean;
  rpoMinutes: number;
  rtoMinutes: number;
  newestVerifiedArchive: (ArchiveCheck & { ageMinutes: number }) | null;
  lastDrill: (ArchiveCheck & { rtoMs: number | null }) | null;
  reasons: ReadinessReason[];
  /** The last scheduled backup run (backup_runs), whatever its outcome; a failed one shows here first. */
  lastScheduledRun: ScheduledRunRecord | null;
}

export interface ScheduledRunRecord {
  slot: string;
  holder: string;
  outcome: 'ok' | 'failed' | 'interrupted' | null;
  archive: string | null;
  error: string | null;
  finishedAt: string | null;
}

async function lastScheduledRun(db: Queryable): Promise<ScheduledRunRecord | null> {
  const r = await db.query<{
    slot: Date;
    holder: string;
    outcome: ScheduledRunRecord['outcome'];
    archive: string | null;
    error: string | null;
    finished_at: Date | null;
  }>('SELECT slot, holder, outcome, archive, error, finished_at FROM backup_runs ORDER BY slot DESC LIMIT 1');
  const x = r.rows[0];
  return x
    ? {
        slot: x.slot.toISOString(),
        holder: x.holder,
        outcome: x.outcome,
        archive: x.archive,
        error: x.error,
        finishedAt: x.finished_at?.toISOString() ?? null,
      }
    : null;
}

const KEY_PART_COMPUTERS = {
  'management-group': 'management-server',
  'data-warehouse': 'data-warehouse',
  portal: 'portal',
} as const;

/** The recovery objectives of a part's config entry (`backups.rpoMinutes`, `backups.rtoMinutes`). */
export interface RecoveryObjectives {
  backups?: { rpoMinutes?: number; rtoMinutes?: number };
}

/**
 * drill-child: what differs by part. The management server's evidence also checks its unsealed
 * packs; the data warehouse's (DWStagingAndConfig, dw-readiness.ts) has its own run history.
 */
export interface ReadinessSource {
  packs: boolean;
  lastRun(db: Queryable): Promise<ScheduledRunRecord | null>;
}

export async function assessReadiness(
  db: Queryable,
  config: RecoveryObjectives | Pick<ManagementServerConfig, 'backups'>,
  now: Date = new Date(),
  source: ReadinessSource = { packs: true, lastRun: lastScheduledRun },
): Promise<Readiness> {
  const rpoMinutes = config.backups?.rpoMinutes ?? DEFAULT_RPO_MINUTES;
  const rtoMinutes = config.backups?.rtoMinutes ?? DEFAULT_RTO_MINUTES;
  const reasons: ReadinessReason[] = [...(await keyReasons(db))];

  const verified = await newestVerified(db);
  const ageMinutes = verified ? (now.getTime() - Date.parse(verified.archiveCreatedAt)) / 60_000 : null;
  reasons.push(archiveReason(verified, ageMinutes, rpoMinutes));

  const drill = await lastDrill(db);
  const rtoMs = drill?.ok && drill.restoreMs !== undefined ? drill.restoreMs + (drill.apiMs ?? 0) : null;
  reasons.push(drillReason(drill, rtoMs, rtoMinutes));
  if (source.packs) reasons.push(await packReason(db, verified)); // s3-stream: unsealed packs changed since the archive

  return {
    recoverable: reasons.every((r) => r.ok),
    rpoMinutes,
    rtoMinutes,
    newestVerifiedArchive:
      verified && ageMinutes !== null ? { ...verified, ageMinutes: Math.round(ageMinutes) } : null,
    lastDrill: drill ? { ...drill, rtoMs } : null,
    reasons,
    lastScheduledRun: await source.lastRun(db),
  };
}

async function keyReasons(db: Queryable): Promise<ReadinessReason[]> {
  const registrations = await listRegistrations(db);
  return (await listKeyRecords(db)).map((k) => {
    const computers = registrations
      .filter((r) => r.part === KEY_PART_COMPUTERS[k.part])
      .map((r) => `${r.computerName} (${r.part})`);
    const backedUp = k.lastBackupAt !== null && k.lastBackupAt.getTime() >= k.createdAt.getTime();
    return backedUp
      ? {
          check: 'key-backup' as const,
          ok: true,
          subject: k.keyId,
          computers,
          detail: `the ${k.part} key was backed up ${k.lastBackupAt!.toISOString()}, after it was made`,
        }
      : {
          check: 'key-backup' as const,
          ok: false,
          subject: k.keyId,
          computers,
          detail: k.lastBackupAt
            ? `the ${k.part} key changed ${k.createdAt.toISOString()}, after its last backup ${k.lastBackupAt.toISOString()}`
            : `the ${k.part} key has never been backed up`,
          remedy: 'smgr key backup --file <path outside this computer> (on a computer holding the key)',
        };
  });
}

function archiveReason(v: ArchiveCheck | undefined, ageMinutes: number | null, rpo: number): ReadinessReason {
  if (!v || ageMinutes === null) {
    return {
      check: 'archive',
      ok: false,
      subject: 'none',
      detail: 'no archive has been verified or drilled',
      remedy: 'smgr backup create, then smgr drill (or set backups.schedule so smgr serve does both)',
    };
  }
  const age = `${Math.round(ageMinutes)} min old`;
  return ageMinutes <= rpo
    ? {
        check: 'archive',
        ok: true,
        subject: v.archive,
        detail: `the newest verified archive is ${age} (RPO ${rpo} min)`,
      }
    : {
        check: 'archive',
        ok: false,
        subject: v.archive,
        detail: `the newest verified archive is ${age}, older than the RPO of ${rpo} min`,
        remedy:
          'smgr backup create, then smgr drill; check that the workflow server runs the backup schedule',
      };
}

function drillReason(d: ArchiveCheck | undefined, rtoMs: number | null, rto: number): ReadinessReason {
  if (!d) {
    return {
      check: 'drill',
      ok: false,
      subject: 'none',
      detail: 'no restore drill has been run',
      remedy: 'smgr drill (or set backups.schedule: smgr serve drills after each backup)',
    };
  }
  if (!d.ok) {
    return {
      check: 'drill',
      ok: false,
      subject: d.archive,
      detail: `the last drill (${d.finishedAt}) FAILED: ${d.error ?? 'unknown'}`,
      remedy: 'smgr backup verify and smgr doctor, then smgr backup create and smgr drill',
    };
  }
  const took = `${((rtoMs ?? 0) / 60_000).toFixed(1)} min`;
  return (rtoMs ?? 0) <= rto * 60_000
    ? {
        check: 'drill',
        ok: true,
        subject: d.archive,
        detail: `the last drill (${d.finishedAt}) passed; measured RTO ${took} (objective ${rto} min)`,
      }
    : {
        check: 'drill',
        ok: false,
        subject: d.archive,
        detail: `the last drill passed but took ${took}, over the RTO of ${rto} min`,
        remedy:
          'Restore faster (a PostgreSQL server with restore --jobs, a smaller database) or raise backups.rtoMinutes',
      };
}
