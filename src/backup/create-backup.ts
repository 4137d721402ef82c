/**
 * smgr backup create, the engine (docs/FORMAT.md §2.6): one repeatable-read
 * snapshot of the ServiceManager database; every table streamed out as COPY
 * text, cut into slices, hashed, Brotli-compressed on the thread pool, packed
 * into tar and age-encrypted on the way to `<stem>.smbak.partial`; fsync;
 * summary; rename to `<stem>.smbak`; fsync the directory. Memory is bounded
 * by a few slices whatever the database size.
 *
 * Crash: leaves at most a `.partial` file (and perhaps a summary without its
 * archive), never a `.smbak` that is not whole; the next backup removes them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { ADVISORY_LOCKS } from '../db/advisory-locks.js';
import type { Database, Transaction } from '../db/database.js';
import { schemaVersion } from '../db/migrate.js';
import { SmgrError } from '../errors/smgr-error.js';
import { fsyncDir } from '../files/atomic-write.js';
import { listKeyRecords } from '../keys/key-records.js';
import { requireManagementGroup } from '../management-group/management-group.js';
import { listRegistrations } from '../management-group/registration.js';
import { SMGR_VERSION } from '../version.js';
import { createAgeEncryptStream } from './age-stream.js';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_VERSION,
  type ArchiveHeader,
  type ArchiveManifest,
  archiveFileStem,
  HEADER_ENTRY,
  MANIFEST_ENTRY,
  MAX_SLICE_COMPRESSED,
  SUMMARY_FORMAT,
  sliceEntryName,
  type TablePlan,
  type TableStats,
} from './archive-format.js';
import { removeLeftovers } from './backup-catalog.js';
import { type ArchiveSettings, archiveRecipients } from './backup-recipient.js';
import { SliceTooLarge, sliceRows, TableDigest } from './copy-slicer.js';
import { orderedMap } from './ordered-map.js';
import type { Progress } from './progress.js';
import { planTables } from './table-plan.js';
import { estimateRows, readTable } from './table-reader.js';

const brotli = promisify(zlib.brotliCompress);
const COMPRESS_IN_FLIGHT = 3;

export interface CreateBackupOptions {
  db: Database;
  config: ArchiveSettings;
  directory: string;
  progress: Progress;
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
  fs.mkdirSync(o.directory, { recursive: true, mode: 0o700 });
  const recipients = await archiveRecipients(o.db, o.config);
  const group = await requireManagementGroup(o.db);
  const createdAt = new Date();
  const stem = archiveFileStem(group.name, createdAt);
  const final = path.join(o.directory, `${stem}.smbak`);
  const partial = `${final}.partial`;
  removeLeftovers(o.directory, group.name);

  return o.db.transaction(
    async (tx) => {
      await lockGroupBackup(tx, group.name);
      const header = await buildHeader(tx, o.db, group, createdAt);
      const written = await writeArchive(tx, header, recipients, partial, o.progress);
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
      fs.writeFileSync(`${final}.json`, `${JSON.stringify(summary, null, 2)}\n`, { mode: 0o600 });
      fsyncFile(`${final}.json`);
      fs.renameSync(partial, final); // the commit point: only now is there a .smbak
      fsyncDir(o.directory);
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
  if (!(await tx.tryLock('backup'))) {
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

async function writeArchive(
  tx: Transaction,
  header: ArchiveHeader,
  recipients: string[],
  partial: string,
  progress: Progress,
): Promise<{ manifest: ArchiveManifest; size: number }> {
  const pack = tar.pack();
  const out = fs.createWriteStream(partial, { mode: 0o600, flags: 'wx' });
  const written = pipeline(Readable.from(pack), createAgeEncryptStream(recipients), out);
  written.catch(() => {}); // awaited below; a failure also surfaces through pack writes
  try {
    await addEntry(pack, HEADER_ENTRY, Buffer.from(JSON.stringify(header)));
    const db = header.databases[0]!;
    const tablesTotal = db.tables.length;
    const tables: Array<TablePlan & TableStats> = [];
    for (const [i, table] of db.tables.entries()) {
      const estimatedRows = await estimateRows(tx, table.name);
      const stats = await writeTable(tx, db.name, table, pack, (rows, bytes) =>
        progress.report({
          phase: 'table',
          database: db.name,
          table: table.name,
          rows,
          bytes,
          estimatedRows,
          tablesDone: i,
          tablesTotal,
          archiveBytes: out.bytesWritten,
        }),
      );
      tables.push({ ...table, ...stats });
      progress.report({
        phase: 'table',
        tableDone: true,
        database: db.name,
        table: table.name,
        rows: stats.rows,
        bytes: stats.bytes,
        estimatedRows,
        tablesDone: i + 1,
        tablesTotal,
        archiveBytes: out.bytesWritten,
      });
    }
    const manifest: ArchiveManifest = {
      ...header,
      finishedAt: new Date().toISOString(),
      databases: [{ ...db, tables }],
      keys: (await listKeyRecords(tx)).map((k) => ({
        keyId: k.keyId,
        part: k.part,
        verifier: k.verifier.toString('hex'),
      })),
      computers: (await listRegistrations(tx)).map((r) => ({
        computerName: r.computerName,
        part: r.part,
        role: r.role,
      })),
      managementPacks: [],
    };
    await addEntry(pack, MANIFEST_ENTRY, Buffer.from(JSON.stringify(manifest)));
    pack.finalize();
    await written;
    fsyncFile(partial);
    return { manifest, size: fs.statSync(partial).size };
  } catch (e) {
    pack.destroy();
    out.destroy();
    await written.catch(() => {});
    fs.rmSync(partial, { force: true });
    throw e;
  }
}

async function writeTable(
  tx: Transaction,
  database: string,
  table: TablePlan,
  pack: tar.Pack,
  onProgress: (rows: number, bytes: number) => void,
): Promise<TableStats> {
  const digest = new TableDigest();
  let slices = 0;
  let compressedBytes = 0;
  const compressed = orderedMap(
    sliceRows(readTable(tx, table), digest),
    (slice) =>
      brotli(slice, {
        chunkSize: 1 << 20, // fewer round trips to the main thread per 8 MiB slice
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: 1,
          [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: slice.length,
        },
      }),
    COMPRESS_IN_FLIGHT,
  );
  try {
    for await (const data of compressed) {
      if (data.length > MAX_SLICE_COMPRESSED) {
        throw new SmgrError('BACKUP_ROW_TOO_LARGE', {
          table: `${database}.${table.name}`,
          detail: `a slice compresses to ${data.length} bytes`,
        });
      }
      await addEntry(pack, sliceEntryName(database, table.name, slices), data);
      slices++;
      compressedBytes += data.length;
      onProgress(digest.rows, digest.bytes);
    }
  } catch (e) {
    if (!(e instanceof SliceTooLarge)) throw e;
    throw new SmgrError('BACKUP_ROW_TOO_LARGE', { table: `${database}.${table.name}`, detail: e.message });
  }
  return { rows: digest.rows, bytes: digest.bytes, sha256: digest.hex(), slices, compressedBytes };
}

/** Resolves once tar has taken the entry (and the reader drained it): backpressure. */
function addEntry(pack: tar.Pack, name: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ name, size: data.length, mode: 0o600, mtime: new Date(0) }, data, (err) =>
      err ? reject(err) : resolve(),
    );
  });
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
