/**
 * A part's contribution to restore drills (issue 13 item 4; the part
 * contract, src/parts/part.ts): what its archive restores into, how the
 * restored copy is configured, served and doctored, and where the evidence
 * is recorded. The drill itself (drill.ts: scratch home, key copy, row
 * counts, timings, clean-up) and the child process it runs in
 * (drill-child.ts) are shared; they know no part by name.
 *
 * Every hook but `record` acts on the scratch installation only and
 * contacts no other computer (a restored DW does not call its management
 * server). Types only.
 */
import type { Progress } from '../backup/progress.js';
import type { ReadArchiveOptions } from '../backup/read-archive.js';
import type { S3Settings } from '../backup/s3-target.js';
import type { GroupRef, OpenedPart, PartContext } from '../parts/part.js';
import type { SecureStorage } from '../secure-storage/secure-storage.js';
import type { ArchiveCheck } from './archive-checks.js';
import type { DoctorCheck } from './doctor-check.js';

/** Whose archives the part drills, read from this home's config entry (no database opened). */
export interface DrillSubject {
  managementGroup: GroupRef;
  /** The part's key, copied into the scratch home's secure storage. */
  keyId: string;
  /** The endpoint settings of an s3:// archive (s3-stream). */
  s3?: S3Settings;
}

export interface DrillRestoreInput {
  file: string;
  open?: ReadArchiveOptions['open'];
  progress?: Progress;
  /** The scratch home's secure storage: the part's key (and backup identity, when it has one). */
  storage: SecureStorage;
  managementGroup: GroupRef;
  keyId: string;
  /** Where the embedded databases go: `<databasesDir>/<database name>`. */
  databasesDir: string;
}

export interface DrillRestored {
  durationMs: number;
  /** Each database restored, the first being the one holding the part's computer registrations. */
  databases: Array<{ name: string; url: string; tables: ReadonlyArray<{ name: string; rows: number }> }>;
}

/** The restored part's API on 127.0.0.1:0. */
export interface ScratchServer {
  address: string;
  stop(): Promise<void>;
}

export interface PartDrill {
  subject(ctx: PartContext): DrillSubject;
  /** Restores the archive into fresh embedded databases (every count and hash checked). */
  restore(o: DrillRestoreInput): Promise<DrillRestored>;
  /** The part's config entry in the scratch home (its databases the restored ones, listening on port 0). */
  scratchEntry(o: { managementGroup: GroupRef; keyId: string; urls: Record<string, string> }): unknown;
  /** Starts the restored part's API; default: serve's own prepare and start. */
  serve?(opened: OpenedPart, ctx: PartContext): Promise<ScratchServer>;
  /** The restored part's doctor; default: the part's doctor. */
  doctor?(opened: OpenedPart): Promise<DoctorCheck[]>;
  /** Records a drill's evidence in the part's own database (the live one, not the scratch copy). */
  record(opened: OpenedPart, check: ArchiveCheck): Promise<void>;
}
