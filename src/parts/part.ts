/**
 * The part contract (ARCHITECTURE §1): a management server, a data warehouse
 * server or a portal is one folder exporting one object of this shape. The
 * commands that act on a computer (serve, setup, doctor, status, key backup,
 * backup create, and later recover) iterate the parts installed here through
 * this interface and name none of them.
 *
 * A part's life in one process: `open()` reads its config entry and opens its
 * databases (no writes); an opened part answers status, doctor, key-backup
 * bookkeeping and backups; `prepareServe()` runs every check of `smgr serve`
 * and binds the listener, still writing nothing; `start()` then applies
 * migrations and starts the part's loops. Serve prepares every installed part
 * before it starts any, so a refused start changes nothing anywhere.
 */
import type { Logger } from 'pino';
import type { Progress } from '../backup/progress.js';
import type { PruneResult } from '../backup/prune-backups.js';
import type { HomePaths } from '../computer/home.js';
import type { PartName, SmgrConfig } from '../config/config-schema.js';
import type { Database } from '../db/database.js';
import type { DoctorCheck } from '../recovery/doctor-check.js';
import type { PartDrill } from '../recovery/part-drill.js';
import type { PartRecoveryPlan, RecoveryInput } from '../recovery/recovery-plan.js';
import type { KeyPart, SecureStorage } from '../secure-storage/secure-storage.js';

export type { PartName } from '../config/config-schema.js';

/** What every part is given: this computer's home, config, name and secure storage. */
export interface PartContext {
  home: HomePaths;
  config: SmgrConfig;
  computerName: string;
  storage: SecureStorage;
}

export interface GroupRef {
  id: string;
  name: string;
}

/** A database a part owns, opened. */
export interface PartDatabase {
  /** Its name in archives and messages: ServiceManager, DWStagingAndConfig, … */
  name: string;
  db: Database;
}

/** A part's answer to `smgr status`: generic fields every part has, plus its own `details`. */
export interface PartStatus {
  part: PartName;
  /** This computer's role in the part (workflow / secondary for a management server). */
  role: string;
  managementGroup: GroupRef;
  databases: Array<{ name: string; url: string; engine: string; schemaVersion: number }>;
  keys: Array<{
    keyId: string;
    part: string;
    inSecureStorage: boolean;
    verifies: boolean;
    lastBackupAt: string | null;
  }>;
  /** Human lines of the part's own state (lease, jobs, …), shown under its heading. */
  summary: Array<{ label: string; value: string }>;
  /** The part's own state, for --json. */
  details: Record<string, unknown>;
  warnings: string[];
}

export interface ArchiveResult {
  file: string;
  size: number;
  createdAt: string;
  finishedAt: string;
  managementGroup: GroupRef;
  databases: Array<{ name: string; tables: Array<{ name: string; rows: number; bytes: number }> }>;
  durationMs: number;
}

/** A part installed here, opened for one operation (its databases open). */
export interface OpenedPart {
  readonly definition: PartDefinition;
  readonly managementGroup: GroupRef;
  readonly databases: readonly PartDatabase[];
  status(): Promise<PartStatus>;
  doctor(): Promise<DoctorCheck[]>;
  /** Records that these keys were backed up now, in every record of theirs this part can reach; answers how many. */
  recordKeyBackup(keyIds: readonly string[]): Promise<number>;
  /** Writes this part's archive into `directory` (one consistent snapshot of its databases). */
  backup(o: { directory: string; progress: Progress }): Promise<ArchiveResult>;
  /**
   * smgr backup prune of a part that keeps its own retention and evidence (dw-archive: the data
   * warehouse); the management server's prune is the operation's own.
   */
  prune?(o: { directory: string; dryRun: boolean; actor: string; progress: Progress }): Promise<PruneResult>;
  close(): Promise<void>;
}

export interface ServeContext {
  logger: Logger;
  /** --listen, when given (a part with a listener uses it instead of its config's address). */
  listen?: string;
}

/** A part that passed every check of serve and holds its listener; nothing written yet. */
export interface PreparedPart {
  /** host:port bound, when the part listens. */
  readonly address?: string;
  /** Writes (migrations, upgrades) and starts the part's loops. */
  start(): Promise<RunningPart>;
  /** Releases the listener when another part's check failed. */
  abandon(): Promise<void>;
}

export interface RunningPart {
  readonly address?: string;
  /** Ends the part's loops and records a clean stop. */
  stop(): Promise<void>;
}

/** The services a running server offers to operations run through its admin channel. */
export interface ServerHooks {
  /** The workflow lease may have changed hands (promote): check it now. */
  leaseChanged?(): Promise<void>;
}

/** One flag of a part's `smgr setup <part>` subcommand (commander syntax: '--database <url>'). */
export interface SetupFlag {
  flags: string;
  description: string;
  default?: string;
  /** Another flag (camelCase) this one cannot be combined with. */
  conflicts?: string;
}

/** What setup is given: where, under which name, and how to ask for a password (hidden prompt or file). */
export interface SetupContext {
  home: HomePaths;
  computerName: string;
  password(o: { file?: string; flag: string; prompt: string; confirm?: boolean }): Promise<string>;
  /** A line about work in progress (a wait), shown before the result. */
  notice?(text: string): void;
}

export interface SetupResult {
  part: PartName;
  managementGroup: GroupRef;
  computerName: string;
  role: string;
  keyId: string;
  /** Display URLs of the databases the part uses. */
  databases: string[];
  configPath: string;
  /** True when setup rebound an existing registration (recovery under the same name). */
  rebound: boolean;
  /** What the administrator does next, in order (the first is always backing up the key). */
  next: string[];
}

/** `smgr setup <part>`: new or existing database, each part with its own flags. */
export interface PartSetup {
  description: string;
  flags: readonly SetupFlag[];
  run(ctx: SetupContext, flags: Record<string, string | boolean | undefined>): Promise<SetupResult>;
}

export interface PartDefinition {
  readonly name: PartName;
  /** For messages: "management server", "data warehouse server". */
  readonly title: string;
  /** The key this part owns in secure storage. */
  readonly keyPart: KeyPart;
  /** Installs the part on this computer (setup with a new or an existing database). */
  readonly setup: PartSetup;
  /** The setup command that recovers this part once its key is restored (printed by `smgr key restore`). */
  readonly recoverySetup: string;
  /** Opens the part installed in this home (its config entry must exist). */
  open(ctx: PartContext): Promise<OpenedPart>;
  /** Every check of serve, then the listener; writes nothing. */
  prepareServe(
    opened: OpenedPart,
    ctx: PartContext,
    serve: ServeContext,
    hooks: ServerHooks,
  ): Promise<PreparedPart>;
  /**
   * smgr recover (src/recovery, docs/RECOVERY.md §4a): this part's steps and preflight checks, or
   * undefined when the key backup file holds no key of this part. Reads only; optional.
   */
  recoveryPlan?(input: RecoveryInput): Promise<PartRecoveryPlan | undefined>;
  /**
   * drill-child: restore drills of this part's archives (src/recovery/part-drill.ts): `smgr drill`
   * and the drill after each scheduled backup. Optional (a part without databases has none).
   */
  readonly drill?: PartDrill;
}
