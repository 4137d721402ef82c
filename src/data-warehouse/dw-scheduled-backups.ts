/**
 * Scheduled backups of the data warehouse (issue 13 item 2, dw-archive):
 * inside the DW's own `smgr serve` (the part contract's start/stop; the
 * management server's code knows nothing of it), on each firing of
 * `parts["data-warehouse"].backups.schedule` (croner syntax): the firing's
 * slot claimed in DWStagingAndConfig's backup_runs (a slot runs once), the
 * DW's archive written under the home's backup lock, verified whole
 * (authenticated, every count and hash), the outcome recorded, then the DW's
 * archives in the directory pruned by `backups.retention` (prune-backups.ts:
 * never the newest verified archive nor one being read or written; every
 * deletion in the DW's audit log). `smgr backup prune` on a DW computer
 * applies the same policy by hand (pruneDwBackups). drill-child: each
 * verified archive is then drilled in a child process (drill-child.ts, the
 * DW's hook dw-drill.ts) unless `backups.drill` is false, the verification
 * and the drill recorded in archive_checks (v6); a failed drill fails the
 * run and is logged as an error. With `backups.s3`
 * (s3-recover) the archive is streamed into the bucket, checked from there,
 * and the bucket pruned (archives with a live reader mark kept, FORMAT §5).
 *
 * Guarantees: firings never overlap (croner's protect); stop() waits for the
 * current one; a failure is logged as an error and recorded, and never stops
 * the server. Crash: a run row without outcome (marked interrupted by the
 * next run) and at most a `.partial` archive (removed by the next backup).
 */
import path from 'node:path';
import { Cron } from 'croner';
import type { Logger } from 'pino';
import { archiveKeys } from '../backup/archive-keys.js';
import { archiveSource } from '../backup/archive-source.js';
import { useArchive } from '../backup/archive-use.js';
import { withBackupLock } from '../backup/backup-lock.js';
import { bucketPruneTarget } from '../backup/bucket-prune-target.js';
import { checkArchive } from '../backup/check-archive.js';
import { type PruneResult, pruneBackups } from '../backup/prune-backups.js';
import { hasRetentionRule } from '../backup/retention-policy.js';
import { isS3Url } from '../backup/s3-target.js';
import type { HomePaths } from '../computer/home.js';
import type { Queryable } from '../db/database.js';
import { isSmgrError, SmgrError } from '../errors/smgr-error.js';
import type { ArchiveResult } from '../parts/part.js';
import { type ArchiveCheck, archiveEvidence, recordArchiveCheck } from '../recovery/archive-checks.js';
import type { DrillControl } from '../recovery/drill-child.js';
import type { OpenedDataWarehouse } from './data-warehouse-part.js';

export interface DwScheduleOptions {
  dw: OpenedDataWarehouse;
  home: HomePaths;
  configPath: string;
  computerName: string;
  directory: string;
  logger: Logger;
  backup(directory: string): Promise<ArchiveResult>;
  /** drill-child: a restore drill of the verified archive in a child process (drill-child.ts). */
  drill?(archive: ArchiveResult, o: DrillControl): Promise<ArchiveCheck>;
}

export interface DwScheduledRun {
  slot: string;
  outcome: 'ok' | 'failed';
  archive?: string;
  verified: boolean;
  /** drill-child: the drill's evidence, when one ran. */
  drill?: ArchiveCheck;
  pruned: number;
  error?: string;
}

export class DwScheduledBackups {
  private cron: Cron | undefined;
  private current: Promise<void> = Promise.resolve();
  private readonly log: Logger;
  private readonly stopping = new AbortController(); // drill-child: kills a drill's child

  constructor(private readonly o: DwScheduleOptions) {
    this.log = o.logger.child({ component: 'dw-scheduled-backups' });
    const b = o.dw.config.backups;
    if (b?.schedule) {
      try {
        new Cron(b.schedule, { paused: true, timezone: b.timezone }).stop();
      } catch (e) {
        throw new SmgrError('BACKUP_SCHEDULE_INVALID', {
          schedule: b.schedule,
          path: o.configPath,
          reason: (e as Error).message.replace(/^CronPattern: /, ''),
        });
      }
    }
  }

  start(): void {
    const b = this.o.dw.config.backups;
    if (!b?.schedule) return;
    this.cron = new Cron(b.schedule, { protect: true, timezone: b.timezone }, (self: Cron) => {
      this.current = this.fire(self.currentRun() ?? new Date()).then(() => {});
      return this.current;
    });
    this.log.info({ schedule: b.schedule, next: this.cron.nextRun()?.toISOString() }, 'scheduled backups on');
  }

  async stop(): Promise<void> {
    this.cron?.stop();
    this.stopping.abort();
    await this.current.catch(() => {});
  }

  /** One firing (tests call it directly). Undefined when the slot already ran. */
  async fire(slotTime: Date): Promise<DwScheduledRun | undefined> {
    const db = this.o.dw.staging;
    const slot = new Date(Math.floor(slotTime.getTime() / 1000) * 1000).toISOString();
    const runId = await claimSlot(db, slot, this.o.computerName).catch((e) => {
      this.log.error({ slot, reason: reason(e) }, 'could not start a scheduled backup');
      return undefined;
    });
    if (runId === undefined) return undefined;
    const run = await this.runClaimed(slot);
    await db
      .query(
        `UPDATE backup_runs SET finished_at = clock_timestamp(), outcome = $2, archive = $3, size = $4,
                verified = $5, error = $6 WHERE id = $1`,
        [runId, run.outcome, run.archive ?? null, run.size ?? null, run.verified, run.error ?? null],
      )
      .catch((e) => this.log.warn({ slot, reason: reason(e) }, 'could not record the scheduled backup'));
    const { size: _size, ...answer } = run;
    return answer;
  }

  private async runClaimed(slot: string): Promise<DwScheduledRun & { size?: number }> {
    const group = this.o.dw.managementGroup.name;
    let archive: ArchiveResult | undefined;
    try {
      // s3-recover: with backups.s3 the archive is streamed into the bucket and checked from there.
      const s3 = this.o.dw.config.backups?.s3;
      const target = s3?.url ?? this.o.directory;
      archive = await withBackupLock(this.o.home, group, () => this.o.backup(target));
      const name = path.basename(archive.file);
      this.log.info(
        { slot, archive: s3 ? archive.file : name, size: archive.size, durationMs: archive.durationMs },
        s3 ? 'scheduled backup streamed to the bucket' : 'scheduled backup written',
      );
      const source = archiveSource(archive.file, s3);
      const release = source.open ? () => {} : useArchive(archive.file);
      try {
        await checkArchive(source.file, {
          ...archiveKeys(this.o.home, undefined, 'data-warehouse'),
          open: source.open,
        });
      } finally {
        release();
      }
      // Recorded verified before prune judges (prune keeps the newest verified archive).
      await this.o.dw.staging.query(
        `UPDATE backup_runs SET archive = $2, size = $3, verified = true WHERE slot = $1`,
        [slot, name, archive.size],
      );
      this.log.info({ slot, archive: name }, 'scheduled backup verified');
      const drill = await this.drill(slot, archive);
      if (drill && !drill.ok)
        return {
          slot,
          outcome: 'failed',
          archive: name,
          size: archive.size,
          verified: true,
          drill,
          pruned: 0,
          error: `drill failed: ${drill.error}`,
        };
      const pruned = hasRetentionRule(this.o.dw.config.backups?.retention ?? {})
        ? (
            await pruneDwBackups(this.o.dw, this.o.home, target, {
              dryRun: false,
              actor: `scheduled-prune@${this.o.computerName}`,
              onDelete: (a) =>
                this.log.info(
                  { archive: path.basename(a.file), createdAt: a.createdAt },
                  'pruned archive deleted',
                ),
              onBusy: (a) =>
                this.log.info({ archive: path.basename(a.file), until: a.until }, 'archive kept: being read'),
            })
          ).removed.length
        : 0;
      return { slot, outcome: 'ok', archive: name, size: archive.size, verified: true, drill, pruned };
    } catch (e) {
      this.log.error({ slot, reason: reason(e) }, 'scheduled backup FAILED');
      return {
        slot,
        outcome: 'failed',
        archive: archive ? path.basename(archive.file) : undefined,
        size: archive?.size,
        verified: false,
        pruned: 0,
        error: reason(e),
      };
    }
  }

  /**
   * drill-child: the verification's evidence, then (unless backups.drill is false) a restore drill
   * of the archive in a child process, its evidence in DWStagingAndConfig's archive_checks (v6);
   * a failed drill is logged as an error. A drill stopped by the server's shutdown records nothing.
   */
  private async drill(slot: string, archive: ArchiveResult): Promise<ArchiveCheck | undefined> {
    const db = this.o.dw.staging;
    const base = {
      archive: path.basename(archive.file),
      archiveCreatedAt: archive.createdAt,
      computerName: this.o.computerName,
    };
    await recordArchiveCheck(db, { ...base, kind: 'verify', startedAt: archive.finishedAt, ok: true });
    if (!this.o.drill || this.o.dw.config.backups?.drill === false) return undefined;
    let check: ArchiveCheck;
    try {
      check = await this.o.drill(archive, {
        signal: this.stopping.signal,
        onStart: (pid) =>
          this.log.info({ slot, archive: base.archive, pid }, 'drill started in a child process'),
      });
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'DRILL_INTERRUPTED') throw e;
      this.log.warn({ slot }, 'the scheduled drill was stopped: the server is stopping');
      return undefined;
    }
    await recordArchiveCheck(db, check);
    const measured = { restoreMs: check.restoreMs, apiMs: check.apiMs, rowsChecked: check.rowsChecked };
    if (check.ok) this.log.info({ slot, archive: check.archive, ...measured }, 'scheduled backup drilled');
    else
      this.log.error({ slot, archive: check.archive, error: check.error }, "scheduled backup's drill FAILED");
    return check;
  }
}

/**
 * The DW's archives in `directory` judged by its retention policy and the evidence of
 * backup_runs (which archives verified); the others deleted, each deletion in the DW's audit log.
 */
export async function pruneDwBackups(
  dw: OpenedDataWarehouse,
  home: HomePaths,
  directory: string,
  o: {
    dryRun: boolean;
    actor: string;
    onDelete?: (a: { file: string; createdAt: string | null }) => void;
    onBusy?: (a: { file: string; until: string | null }) => void;
  },
): Promise<PruneResult> {
  const policy = dw.config.backups?.retention ?? {};
  if (!hasRetentionRule(policy)) throw new SmgrError('RETENTION_NOT_CONFIGURED', { path: home.config });
  return withBackupLock(home, dw.managementGroup.name, async () =>
    pruneBackups({
      directory,
      managementGroup: dw.managementGroup,
      policy,
      evidence: await dwArchiveEvidence(dw.staging),
      dryRun: o.dryRun,
      actor: o.actor,
      commit: (fn) => dw.staging.transaction(fn),
      ...(isS3Url(directory) ? bucketPruneTarget(directory, dw.config.backups?.s3) : {}), // s3-recover
      onDelete: o.onDelete,
      onBusy: o.onBusy,
    }),
  );
}

async function dwArchiveEvidence(q: Queryable) {
  const r = await q.query<{ archive: string; verified: boolean }>(
    'SELECT archive, bool_or(verified) AS verified FROM backup_runs WHERE archive IS NOT NULL GROUP BY archive',
  );
  const evidence = new Map(r.rows.map((x) => [x.archive, { verified: x.verified, drillPassed: false }]));
  // drill-child: archives a drill proved (archive_checks, v6) count as verified and drilled.
  const present = await q.query<{ p: boolean }>(`SELECT to_regclass('archive_checks') IS NOT NULL AS p`);
  if (present.rows[0]?.p)
    for (const [archive, e] of await archiveEvidence(q)) {
      const had = evidence.get(archive);
      evidence.set(archive, {
        verified: e.verified || had?.verified === true,
        drillPassed: e.drillPassed,
      });
    }
  return evidence;
}

async function claimSlot(db: Queryable, slot: string, runner: string): Promise<number | undefined> {
  await db.query(
    `UPDATE backup_runs SET finished_at = clock_timestamp(), outcome = 'interrupted',
            error = 'its server stopped before the backup finished' WHERE finished_at IS NULL`,
  );
  const r = await db.query<{ id: number }>(
    'INSERT INTO backup_runs (slot, runner) VALUES ($1, $2) ON CONFLICT (slot) DO NOTHING RETURNING id',
    [slot, runner],
  );
  return r.rows[0]?.id;
}

function reason(e: unknown): string {
  if (isSmgrError(e)) return `${e.code}: ${e.message}`;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : ((e as Error)?.name ?? 'error');
}
