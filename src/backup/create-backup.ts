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
import { writerAuthKey } from './archive-auth.js';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_VERSION,
  type ArchiveHeader,
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
  const started = Date.now();
  const target = archiveTarget(o.directory, o.s3); // s3-stream: a directory or a bucket
  await target.prepare();
  const recipients = await archiveRecipients(o.db, o.config);
  const group = await requireManagementGroup(o.db);
  const createdAt = new Date();
  const stem = archiveFileStem(group.name, createdAt);
  const final = target.locate(stem);

  return o.db.transaction(
    async (tx) => {
      await lockGroupBackup(tx, group.name);
      await target.clean(group.name);
      const auth = await writerAuthKey(tx, o.storage, group);
      const header = await buildHeader(tx, o.db, group, createdAt);
      const written = await writeArchive({
        tx,
        header,
        recipients,
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
    },
    { isolation: 'repeatable read', readOnly: true },
  );
}

/** Other computers of the group: an advisory lock held for the snapshot's life (the home's lock file covers this one). */
async function lockGroupBackup(tx: Transaction, group: string): Promise<void> {
  if (!(await tx.tryLock('groupBackup'))) {
    throw new SmgrError('BACKUP_IN_PROGRESS', { group, where: 'on another computer of the group' });
  }
}

async function buildHeader(
  tx: Transaction,
  db: Database,
  group: { id: string; name: string },
  createdAt: Date,
): Promise<ArchiveHeader> {
  return {
    format: ARCHIVE_FORMAT,
    version: ARCHIVE_VERSION,
    smgrVersion: SMGR_VERSION,
    createdAt: createdAt.toISOString(),
    managementGroup: { id: group.id, name: group.name },
    databases: [
      {
        name: 'ServiceManager',
        engine: db.engine,
        // Through tx, not db: PGlite runs one transaction at a time, so db would wait on tx.
        serverVersion:
          (await tx.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ??
          'unknown',
        schemaVersion: await schemaVersion(tx),
        tables: await planTables(tx),
      },
    ],
  };
}
