/**
 * smgr backup create, the engine (docs/FORMAT.md §2.6): one repeatable-read
 * snapshot of the ServiceManager database, under the group's backup lock;
 * the archive written to `<stem>.smbak.partial` (write-archive.ts: every
 * table streamed out as COPY text, cut into slices, hashed, compressed,
 * packed into tar, age-encrypted, authenticated with the group's KEK);
 * fsync; summary; rename to `<stem>.smbak`; fsync the directory. Memory is
 * bounded by a few slices whatever the database size.
 *
 * The directory may be an `s3://BUCKET[/PREFIX]` URL (issue 13): the
 * archive then streams straight into the bucket as one multipart upload,
 * visible only once complete, then its summary (archive-target.ts).
 *
 * Crash: leaves at most a `.partial` file (and perhaps a summary without its
 * archive), never a `.smbak` that is not whole; the next backup removes them.
 * In a bucket: an incomplete multipart upload, aborted by the next backup.
 */
import path from 'node:path';
import type { Database, Transaction } from '../db/database.js';
import { schemaVersion } from '../db/migrate.js';
import { SmgrError } from '../errors/smgr-error.js';
import { requireManagementGroup } from '../management-group/management-group.js';
import type { SecureStorage } from '../secure-storage/secure-storage.js';
import { SMGR_VERSION } from '../version.js';
import { type ArchiveAuthKey, writerAuthKey } from './archive-auth.js';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_VERSION,
  ARCHIVE_VERSION_PARTS,
  type ArchiveHeader,
  type ArchivePart,
  archiveFileStem,
  SUMMARY_FORMAT,
} from './archive-format.js';
import { archiveTarget } from './archive-target.js';
import { type ArchiveSettings, archiveRecipients } from './backup-recipient.js';
import type { Progress } from './progress.js';
import type { S3Settings } from './s3-target.js';
import { planTables } from './table-plan.js';
import { type ArchiveEntry, writeArchive } from './write-archive.js';

export interface CreateBackupOptions {
  db: Database;
  config: ArchiveSettings;
  /** This computer's secure storage: the group's KEK authenticates the archive (FORMAT §2.9). */
  storage: SecureStorage;
  /** A local directory, or s3://BUCKET[/PREFIX] (s3-stream: streamed into the bucket). */
  directory: string;
  /** s3-stream: the endpoint of an S3-compatible service (config backups.s3), for an s3:// directory. */
  s3?: S3Settings;
  progress: Progress;
  /** Entries besides the tables (FORMAT §2.2 named entries), read in the backup's snapshot. */
  namedEntries?: (tx: Transaction) => AsyncIterable<ArchiveEntry>;
}

export interface BackupResult {
  file: string;
  size: number;
  createdAt: string;
  finishedAt: string;
  managementGroup: { id: string; name: string };
  databases: Array<{ name: string; tables: Array<{ name: string; rows: number; bytes: number }> }>;
  durationMs: number;
}

export async function createBackup(o: CreateBackupOptions): Promise<BackupResult> {
  const recipients = await archiveRecipients(o.db, o.config);
  const group = await requireManagementGroup(o.db);
  return createPartArchive({
    part: 'management-server',
    group,
    databases: [{ name: 'ServiceManager', db: o.db }],
    recipients,
    auth: (tx) => writerAuthKey(tx, o.storage, group),
    lock: (tx) => lockGroupBackup(tx, group.name),
    directory: o.directory,
    s3: o.s3,
    progress: o.progress,
    namedEntries: o.namedEntries,
  });
}

/** One part's archive (FORMAT §2.12): what the part gives, the rest is the same for every part. */
export interface PartArchiveOptions {
  part: ArchivePart;
  group: { id: string; name: string };
  /** The part's databases in archive order; key records and computers are read from the first. */
  databases: Array<{ name: string; db: Database }>;
  /** The order the snapshots are opened in (indices into `databases`; default: archive order). */
  snapshotOrder?: number[];
  recipients: string[];
  /** The MAC key, read in the first database's snapshot. */
  auth(tx: Transaction): Promise<ArchiveAuthKey>;
  /** Refuses a second backup of the group (in the first database's snapshot transaction). */
  lock(tx: Transaction): Promise<void>;
  /** A local directory, or s3://BUCKET[/PREFIX] (streamed into the bucket). */
  directory: string;
  /** The endpoint of an S3-compatible service, for an s3:// directory. */
  s3?: S3Settings;
  progress: Progress;
  namedEntries?: (tx: Transaction) => AsyncIterable<ArchiveEntry>;
}

export async function createPartArchive(o: PartArchiveOptions): Promise<BackupResult> {
  const started = Date.now();
  const target = archiveTarget(o.directory, o.s3); // s3-stream: a directory or a bucket
  await target.prepare();
  const group = o.group;
  const createdAt = new Date();
  const stem = archiveFileStem(group.name, createdAt);
  const final = target.locate(stem);
  const order = o.snapshotOrder ?? o.databases.map((_, i) => i);

  return withSnapshots(o.databases, order, async (txs) => {
    const tx = txs[0]!;
    await o.lock(tx);
    await target.clean(group.name);
    const auth = await o.auth(tx);
    const header = await buildHeader(o, txs, createdAt);
    const written = await writeArchive({
      tx,
      txs,
      header,
      recipients: o.recipients,
      auth,
      file: final,
      sink: target.sink(stem, o.progress),
      progress: o.progress,
      namedEntries: o.namedEntries,
    });
    const manifest = written.manifest;
    const summary = {
      format: SUMMARY_FORMAT,
      version: 1,
      file: path.basename(final),
      createdAt: manifest.createdAt,
      finishedAt: manifest.finishedAt,
      managementGroup: manifest.managementGroup,
      size: written.size,
      databases: manifest.databases.map((d) => ({
        name: d.name,
        tables: d.tables.map((t) => ({ name: t.name, rows: t.rows })),
      })),
      ...(manifest.part ? { part: manifest.part } : {}),
    };
    await target.commit(stem, `${JSON.stringify(summary, null, 2)}\n`); // summary, then the .smbak
    return {
      file: final,
      size: written.size,
      createdAt: manifest.createdAt,
      finishedAt: manifest.finishedAt,
      managementGroup: manifest.managementGroup,
      databases: manifest.databases.map((d) => ({
        name: d.name,
        tables: d.tables.map((t) => ({ name: t.name, rows: t.rows, bytes: t.bytes })),
      })),
      durationMs: Date.now() - started,
    };
  });
}

/**
 * Opens a REPEATABLE READ, READ ONLY transaction on every database, in `order`, all held while
 * `fn` runs; `fn` gets them in the databases' own order.
 */
async function withSnapshots<T>(
  databases: ReadonlyArray<{ db: Database }>,
  order: readonly number[],
  fn: (txs: Transaction[]) => Promise<T>,
): Promise<T> {
  const txs: Transaction[] = new Array(databases.length);
  const open = async (k: number): Promise<T> => {
    if (k === order.length) return fn(txs);
    const i = order[k]!;
    return databases[i]!.db.transaction(
      async (tx) => {
        txs[i] = tx;
        return open(k + 1);
      },
      { isolation: 'repeatable read', readOnly: true },
    );
  };
  return open(0);
}

/** Other computers of the group: an advisory lock held for the snapshot's life (the home's lock file covers this one). */
export async function lockGroupBackup(tx: Transaction, group: string): Promise<void> {
  if (!(await tx.tryLock('groupBackup'))) {
    throw new SmgrError('BACKUP_IN_PROGRESS', { group, where: 'on another computer of the group' });
  }
}

async function buildHeader(
  o: PartArchiveOptions,
  txs: Transaction[],
  createdAt: Date,
): Promise<ArchiveHeader> {
  const databases: ArchiveHeader['databases'] = [];
  for (const [i, d] of o.databases.entries()) {
    const tx = txs[i]!;
    databases.push({
      name: d.name,
      engine: d.db.engine,
      // Through tx, not db: PGlite runs one transaction at a time, so db would wait on tx.
      serverVersion:
        (await tx.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ??
        'unknown',
      schemaVersion: await schemaVersion(tx),
      tables: await planTables(tx),
    });
  }
  const partOnly = o.part === 'management-server';
  return {
    format: ARCHIVE_FORMAT,
    version: partOnly ? ARCHIVE_VERSION : ARCHIVE_VERSION_PARTS,
    smgrVersion: SMGR_VERSION,
    createdAt: createdAt.toISOString(),
    managementGroup: { id: o.group.id, name: o.group.name },
    ...(partOnly ? {} : { part: o.part }),
    databases,
  };
}
