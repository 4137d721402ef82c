/**
 * The shape of `smgr recover`'s plan (docs/RECOVERY.md §4a): steps, each
 * saying what it reads and writes, and preflight checks, every one run
 * before any step writes. The common steps (keys, doctor) are made in
 * recover.ts; each part contributes its own through the optional
 * `recoveryPlan()` of the part contract (src/parts/part.ts).
 *
 * A step must be safe to run again after a crash at any point of it: the
 * journal (recovery-journal.ts) marks it begun before and done after, and a
 * rerun runs a step that was begun but not done again.
 */
import type { ArchivePart } from '../backup/archive-format.js';
import type { ArchiveKeys } from '../backup/archive-keys.js';
import type { Progress } from '../backup/progress.js';
import type { ReadArchiveOptions } from '../backup/read-archive.js';
import type { HomePaths } from '../computer/home.js';
import type { SmgrError } from '../errors/smgr-error.js';
import type { KeyBackupContent } from '../keys/key-backup-file.js';
import type { ArchiveSnapshot } from './archive-snapshot.js';

/** One preflight check: passed, or failed with the error a run would stop with. */
export interface PreflightCheck {
  name: string;
  ok: boolean;
  detail: string;
  error?: SmgrError;
}

export interface StepContext {
  progress: Progress;
  /** True when an interrupted run began this step (it may have written part of it, or all). */
  begunBefore: boolean;
  /** The journal's id: a step that records something in a database tags it with this, to find it again. */
  recoveryId: string;
}

export interface RecoveryStep {
  /** Stable, recorded in the journal: `keys`, `management-server:restore-database`, `doctor`. */
  id: string;
  title: string;
  reads: string[];
  writes: string[];
  /** Answers a one-line outcome. Safe to run again after a crash at any point of it. */
  run(ctx: StepContext): Promise<string>;
}

/** What a part is told when asked for its contribution. Read-only: nothing may be written while planning. */
export interface RecoveryInput {
  home: HomePaths;
  computerName: string;
  keyFile: string;
  keyBackup: KeyBackupContent;
  /** --from: the archive, with the keys that open and authenticate it; verified once, on demand. */
  archive?: {
    /** A resolved path, or an s3:// URL (s3-recover). */
    file: string;
    keys: ArchiveKeys;
    /** True for an archive in a bucket. */
    remote: boolean;
    /** The keys and, for a bucket, how to open the object (streamed, reader-marked): what a reader takes. */
    reader(progress?: Progress): ArchiveKeys & Pick<ReadArchiveOptions, 'open'>;
    snapshot(progress: Progress): Promise<ArchiveSnapshot>;
    /** Whose databases it holds (FORMAT §2.12), from its authenticated header; undefined when it cannot be read. */
    part(): Promise<ArchivePart | undefined>;
  };
  /** --database, when given. */
  databaseUrl?: string;
  /** --staging-database, --repository-database, --datamart-database, when given (the DW's). */
  dwDatabases?: Partial<Record<'staging' | 'repository' | 'datamart', string>>;
  listen?: string;
  /** --management-server: the API a recovered part calls (the portal's). */
  managementServer?: string;
  force: boolean;
  /** --wait: setup waits until a registration under this name that still looks alive counts as gone. */
  wait?: boolean;
  /** Steps an interrupted run of this recovery began, and those it finished (from the journal). */
  begun: ReadonlySet<string>;
  done: ReadonlySet<string>;
}

/** A part's contribution: its steps, in order, and its checks. */
export interface PartRecoveryPlan {
  steps: RecoveryStep[];
  /** The databases the part will use, for the journal's inputs and the summary (display URLs). */
  databases: string[];
  /** Every check of this part, read-only. */
  preflight(progress: Progress): Promise<PreflightCheck[]>;
}
