/**
 * Scheduled backups of a running management server (issue 13 item 2): on
 * each firing of the cron pattern of config.json
 * (`parts["management-server"].backups.schedule`, croner syntax), the
 * server that holds the workflow lease — and only that one — claims the
 * firing's slot in backup_runs (a fenced write: a server that lost the lease
 * claims nothing, and one slot runs once in the group whichever server
 * fires it), writes an archive under the home's backup lock, checks it (a
 * restore drill when `drill` is not false, else a full verification), records
 * the outcome and the evidence (fenced), then prunes by the retention
 * policy, each deletion fenced and in the audit log. With `backups.s3`, the
 * archive is streamed straight into the bucket (no local copy, s3-stream),
 * checked by reading it from there, and the bucket pruned the same way.
 *
 * Guarantees: firings never overlap (croner's protect: a firing that comes
 * while the previous one still runs is skipped); stop() waits for the
 * current one, killing its drill's child process (drill-child: the drill
 * runs in a child, never on this server's event loop, so the lease is
 * renewed meanwhile; a stopped drill records nothing, its run is
 * `interrupted`). Every failure is logged as an error and recorded as the
 * run's outcome, and never stops the server.
 *
 * Crash: a run row without outcome, marked interrupted by the next run; at
 * most a `.partial` archive, removed by the next backup; a drill's scratch
 * directory under the temp directory, removed by the next drill.
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
import { type PruneOptions, pruneBackups } from '../backup/prune-backups.js';
import { hasRetentionRule } from '../backup/retention-policy.js';
import type { HomePaths } from '../computer/home.js';
import type { ManagementServerConfig } from '../config/management-server-config.js';
import type { Database, Transaction } from '../db/database.js';
import { isSmgrError, SmgrError } from '../errors/smgr-error.js';
import { fenced, isLeaseLost } from '../management-group/fence.js';
import type { Tenure } from '../management-group/workflow-lease.js';
import type { ArchiveResult } from '../parts/part.js';
import { type ArchiveCheck, archiveEvidence, recordArchiveCheck } from '../recovery/archive-checks.js';
import type { DrillControl } from '../recovery/drill-child.js';

export interface ScheduledBackupsOptions {
  db: Database;
  home: HomePaths;
  computerName: string;
  config: ManagementServerConfig;
  configPath: string;
  directory: string;
  tenure: () => Tenure | undefined;
  fenceIdleMs: number;
  logger: Logger;
  /** Writes one archive of the part's databases (OpenedPart.backup). */
  backup(directory: string): Promise<ArchiveResult>;
  /**
   * A restore drill of the archive, in a child process (drill-child.ts); without it, a full
   * verification. `signal` aborts it when the server stops; `onStart` is told the child's pid.
   */
  drill?(archive: ArchiveResult, o: DrillControl): Promise<ArchiveCheck>;
  /** Told after each run (metrics). */
  onRun?(run: ScheduledRun): void;
}

export interface ScheduledRun {
  slot: string;
  /** interrupted: the server stopped during the run's drill (drill-child). */
  outcome: 'ok' | 'failed' | 'interrupted';
  archive?: ArchiveResult;
  check?: ArchiveCheck;
  pruned: number;
  error?: string;
}

/** Checks the pattern (BACKUP_SCHEDULE_INVALID), creating nothing. */
export function checkSchedule(schedule: string, timezone: string | undefined, configPath: string): void {
  try {
    new Cron(schedule, { paused: true, timezone }).stop();
  } catch (e) {
    throw new SmgrError('BACKUP_SCHEDULE_INVALID', {
      schedule,
      path: configPath,
      reason: (e as Error).message.replace(/^CronPattern: /, ''),
    });
  }
}

export class ScheduledBackups {
  private cron: Cron | undefined;
  private current: Promise<void> = Promise.resolve();
  private readonly log: Logger;
  /** drill-child: aborted by stop(), which kills a drill's child process. */
  private readonly stopping = new AbortController();

  constructor(private readonly o: ScheduledBackupsOptions) {
    this.log = o.logger.child({ component: 'scheduled-backups' });
    const s = o.config.backups?.schedule;
    if (s) checkSchedule(s, o.config.backups?.timezone, o.configPath);
  }

  get scheduled(): boolean {
    return this.o.config.backups?.schedule !== undefined;
  }

  start(): void {
    const schedule = this.o.config.backups?.schedule;
    if (!schedule) return;
    this.cron = new Cron(
      schedule,
      { protect: true, timezone: this.o.config.backups?.timezone },
      (self: Cron) => {
        const slot = self.currentRun() ?? new Date();
        this.current = this.fire(slot).then(() => {});
        return this.current;
      },
    );
    this.log.info({ schedule, next: this.cron.nextRun()?.toISOString() }, 'scheduled backups on');
  }

  async stop(): Promise<void> {
    this.cron?.stop();
    this.stopping.abort();
    await this.current;
  }

  /** One firing: on the lease holder only (tests call it directly). */
  async fire(slotTime: Date): Promise<ScheduledRun | undefined> {
    const tenure = this.o.tenure();
    if (!tenure) return undefined;
    const slot = new Date(Math.floor(slotTime.getTime() / 1000) * 1000).toISOString();
    const fence = <T>(fn: (tx: Transaction) => Promise<T>) =>
      fenced(this.o.db, tenure, this.o.fenceIdleMs, fn);
    let runId: number | undefined;
    try {
      runId = await fence((tx) => claimSlot(tx, slot, tenure));
    } catch (e) {
      if (!isLeaseLost(e)) this.log.error({ slot, reason: reason(e) }, 'could not start a scheduled backup');
      return undefined;
    }
    if (runId === undefined) return undefined; // another server ran this slot
    const run = await this.runClaimed(slot, fence);
    await fence((tx) =>
      tx.query(
        `UPDATE backup_runs SET finished_at = clock_timestamp(), outcome = $2, archive = $3, size = $4, error = $5
          WHERE id = $1`,
        [
          runId,
          run.outcome,
          run.archive ? path.basename(run.archive.file) : null,
          run.archive?.size ?? null,
          run.error ?? null,
        ],
      ),
    ).catch((e) => this.log.warn({ slot, reason: reason(e) }, 'could not record the scheduled backup'));
    this.o.onRun?.(run);
    return run;
  }

  private async runClaimed(
    slot: string,
    fence: <T>(fn: (tx: Transaction) => Promise<T>) => Promise<T>,
  ): Promise<ScheduledRun> {
    const group = this.o.config.managementGroup.name;
    let archive: ArchiveResult | undefined;
    try {
      const s3 = this.o.config.backups?.s3; // s3-stream: the bucket instead of the directory
      const target = s3?.url ?? this.o.directory;
      archive = await withBackupLock(this.o.home, group, () => this.o.backup(target));
      const written = archive;
      this.log.info(
        {
          slot,
          archive: s3 ? written.file : path.basename(written.file),
          size: written.size,
          durationMs: written.durationMs,
        },
        s3 ? 'scheduled backup streamed to the bucket' : 'scheduled backup written',
      );
      const check = await this.check(archive);
      await fence((tx) => recordArchiveCheck(tx, check));
      const measured = { restoreMs: check.restoreMs, apiMs: check.apiMs, rowsChecked: check.rowsChecked };
      if (check.ok)
        this.log.info(
          { slot, archive: check.archive, kind: check.kind, ...measured },
          'scheduled backup checked',
        );
      if (!check.ok) {
        this.log.error(
          { slot, archive: path.basename(archive.file), kind: check.kind, error: check.error },
          `scheduled backup's ${check.kind} FAILED`,
        );
        return {
          slot,
          outcome: 'failed',
          archive,
          check,
          pruned: 0,
          error: `${check.kind} failed: ${check.error}`,
        };
      }
      // s3-recover: a bucket is pruned with its reader marks (FORMAT §5).
      const pruned = await this.prune(fence, s3 ? bucketPruneTarget(s3.url, s3) : {});
      return { slot, outcome: 'ok', archive, check, pruned };
    } catch (e) {
      if (isInterrupted(e)) {
        // drill-child: a shutdown is no evidence either way; nothing recorded of the drill.
        this.log.warn({ slot }, 'the scheduled drill was stopped: the server is stopping');
        return { slot, outcome: 'interrupted', archive, pruned: 0, error: reason(e) };
      }
      this.log.error({ slot, reason: reason(e) }, 'scheduled backup FAILED');
      return { slot, outcome: 'failed', archive, pruned: 0, error: reason(e) };
    }
  }

  private async check(archive: ArchiveResult): Promise<ArchiveCheck> {
    if (this.o.drill && this.o.config.backups?.drill !== false) {
      const file = path.basename(archive.file);
      return this.o.drill(archive, {
        signal: this.stopping.signal,
        onStart: (pid) => this.log.info({ archive: file, pid }, 'drill started in a child process'),
      });
    }
    const startedAt = new Date().toISOString();
    const base = {
      kind: 'verify' as const,
      archive: path.basename(archive.file),
      archiveCreatedAt: archive.createdAt,
      computerName: this.o.computerName,
      startedAt,
    };
    const source = archiveSource(archive.file, this.o.config.backups?.s3);
    const release = source.open ? () => {} : useArchive(archive.file);
    try {
      const checked = await checkArchive(source.file, { ...archiveKeys(this.o.home), open: source.open });
      const tables = checked.manifest.databases.flatMap((d) => d.tables);
      return {
        ...base,
        ok: true,
        tablesChecked: tables.length,
        rowsChecked: tables.reduce((n, t) => n + t.rows, 0),
      };
    } catch (e) {
      return { ...base, ok: false, error: reason(e) };
    } finally {
      release();
    }
  }

  private async prune(
    fence: <T>(fn: (tx: Transaction) => Promise<T>) => Promise<T>,
    target: Partial<Pick<PruneOptions, 'directory' | 'list' | 'remove' | 'readers'>> = {},
  ): Promise<number> {
    const policy = this.o.config.backups?.retention ?? {};
    if (!hasRetentionRule(policy)) return 0;
    const r = await withBackupLock(this.o.home, this.o.config.managementGroup.name, async () =>
      pruneBackups({
        directory: this.o.directory,
        managementGroup: this.o.config.managementGroup,
        policy,
        evidence: await archiveEvidence(this.o.db),
        dryRun: false,
        actor: `scheduled-prune@${this.o.computerName}`,
        commit: (fn) => fence(fn),
        ...target,
        onDelete: (a) =>
          this.log.info(
            { archive: path.basename(a.file), createdAt: a.createdAt, size: a.size },
            'pruned archive deleted',
          ),
        onBusy: (a) =>
          this.log.info({ archive: path.basename(a.file), until: a.until }, 'archive kept: being read'),
      }),
    );
    for (const m of r.readers?.staleMarksDeleted ?? [])
      this.log.info({ mark: m }, 'stale reader mark deleted (its reader stopped refreshing it)');
    return r.removed.length;
  }
}

/** Claims `slot` for this tenure (and marks unfinished older runs interrupted); undefined when already claimed. */
async function claimSlot(tx: Transaction, slot: string, t: Tenure): Promise<number | undefined> {
  await tx.query(
    `UPDATE backup_runs SET finished_at = clock_timestamp(), outcome = 'interrupted',
            error = 'its server stopped or lost the workflow lease before the backup finished'
      WHERE finished_at IS NULL`,
  );
  const r = await tx.query<{ id: number }>(
    `INSERT INTO backup_runs (slot, holder, token) VALUES ($1, $2, $3) ON CONFLICT (slot) DO NOTHING RETURNING id`,
    [slot, t.holder, t.token],
  );
  return r.rows[0]?.id;
}

const isInterrupted = (e: unknown) => (e as { code?: unknown })?.code === 'DRILL_INTERRUPTED';

/** A short, secret-free reason: an error code and its one-line cause. */
function reason(e: unknown): string {
  if (isSmgrError(e)) return `${e.code}: ${e.message}`;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : ((e as Error)?.name ?? 'error');
}
