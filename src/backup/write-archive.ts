/**
 * Writes one archive, format version 2 (docs/FORMAT.md §2.2, §2.6), to a
 * file that does not exist yet: the header (naming the age header it
 * travels in) and its MAC, every table's slices (read in the caller's
 * snapshot, cut, hashed, Brotli-compressed on the thread pool), the named
 * entries, the manifest and its MAC; tar inside age. Memory is bounded by a
 * few slices whatever the database size.
 *
 * The bytes go to a sink (archive-sink.ts): a local file, or straight to
 * an S3 bucket as a multipart upload (s3-archive-stream.ts).
 *
 * Crash: leaves a partial file, which the caller named `*.partial` (or an
 * incomplete multipart upload, never listed); on a failure the sink aborts:
 * the file is removed, the upload aborted.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import type { Transaction } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { listKeyRecords } from '../keys/key-records.js';
import { listRegistrations } from '../management-group/registration.js';
import { createAgeEncryptStream } from './age-stream.js';
import {
  type ArchiveAuthKey,
  AUTH_ALGORITHM,
  ageHeaderDigest,
  headerMac,
  manifestMac,
} from './archive-auth.js';
import {
  type ArchiveHeader,
  type ArchiveManifest,
  HEADER_ENTRY,
  HEADER_MAC_ENTRY,
  isNamedEntry,
  MANIFEST_ENTRY,
  MANIFEST_MAC_ENTRY,
  MAX_NAMED_ENTRY,
  MAX_SLICE_COMPRESSED,
  type NamedEntry,
  sliceEntryName,
  type TablePlan,
  type TableStats,
} from './archive-format.js';
import { type ArchiveSink, fileSink, fsyncFile } from './archive-sink.js';
import { SliceTooLarge, sliceRows, TableDigest } from './copy-slicer.js';
import { orderedMap } from './ordered-map.js';
import type { Progress } from './progress.js';
import { estimateRows, readTable } from './table-reader.js';

const brotli = promisify(zlib.brotliCompress);
const COMPRESS_IN_FLIGHT = 3;

/** An entry other than a slice (§2.2, e.g. an unsealed management pack), made in the backup's snapshot. */
export interface ArchiveEntry {
  name: string;
  data: Buffer;
}

export interface WriteArchiveOptions {
  /** The first database's snapshot: named entries, key records and computers are read in it. */
  tx: Transaction;
  /** Every database's snapshot, in the header's order (default: [tx]; FORMAT §2.12). */
  txs?: Transaction[];
  /** The header without `authentication`: this writer adds it. */
  header: ArchiveHeader;
  recipients: string[];
  auth: ArchiveAuthKey;
  file: string;
  /** Where the bytes go (default: a new local file at `file`). */
  sink?: ArchiveSink;
  progress: Progress;
  namedEntries?: (tx: Transaction) => AsyncIterable<ArchiveEntry>;
}

export async function writeArchive(
  o: WriteArchiveOptions,
): Promise<{ manifest: ArchiveManifest; size: number }> {
  const pack = tar.pack();
  const sink = o.sink ?? fileSink(o.file);
  const encrypt = createAgeEncryptStream(o.recipients);
  const written = pipeline(Readable.from(pack), encrypt, sink.stream);
  written.catch(() => {}); // awaited below; a failure also surfaces through pack writes
  try {
    const header: ArchiveHeader = {
      ...o.header,
      authentication: {
        algorithm: AUTH_ALGORITHM,
        keyId: o.auth.keyId,
        ageHeader: ageHeaderDigest(encrypt.ageHeader),
      },
    };
    const headerJson = Buffer.from(JSON.stringify(header));
    const headerMacHex = headerMac(o.auth, headerJson);
    await addEntry(pack, HEADER_ENTRY, headerJson);
    await addEntry(pack, HEADER_MAC_ENTRY, Buffer.from(headerMacHex));
    const tables = await writeTables(o, pack, () => sink.bytesWritten());
    const entries = await writeNamedEntries(o, pack);
    const manifest: ArchiveManifest = {
      ...header,
      finishedAt: new Date().toISOString(),
      databases: header.databases.map((db, i) => ({ ...db, tables: tables[i]! })),
      keys: (await listKeyRecords(o.tx)).map((k) => ({
        keyId: k.keyId,
        part: k.part,
        verifier: k.verifier.toString('hex'),
      })),
      computers: (await listRegistrations(o.tx)).map((r) => ({
        computerName: r.computerName,
        part: r.part,
        role: r.role,
      })),
      managementPacks: [],
      headerMac: headerMacHex,
      entries,
    };
    const manifestJson = Buffer.from(JSON.stringify(manifest));
    await addEntry(pack, MANIFEST_ENTRY, manifestJson);
    await addEntry(pack, MANIFEST_MAC_ENTRY, Buffer.from(manifestMac(o.auth, manifestJson)));
    pack.finalize();
    await written;
    return { manifest, size: await sink.commit() };
  } catch (e) {
    pack.destroy();
    sink.stream.destroy();
    await written.catch(() => {});
    await sink.abort().catch(() => {});
    throw e;
  }
}

async function writeTables(
  o: WriteArchiveOptions,
  pack: tar.Pack,
  archiveBytes: () => number,
): Promise<Array<Array<TablePlan & TableStats>>> {
  const txs = o.txs ?? [o.tx];
  const tablesTotal = o.header.databases.reduce((n, d) => n + d.tables.length, 0);
  let done = 0;
  const all: Array<Array<TablePlan & TableStats>> = [];
  for (const [d, db] of o.header.databases.entries()) {
    const tx = txs[d]!;
    all.push(await writeDatabaseTables(tx, db, pack, o.progress, tablesTotal, done, archiveBytes));
    done += db.tables.length;
  }
  return all;
}

async function writeDatabaseTables(
  tx: Transaction,
  db: ArchiveHeader['databases'][number],
  pack: tar.Pack,
  progress: Progress,
  tablesTotal: number,
  before: number,
  archiveBytes: () => number,
): Promise<Array<TablePlan & TableStats>> {
  const tables: Array<TablePlan & TableStats> = [];
  for (const [j, table] of db.tables.entries()) {
    const i = before + j;
    const estimatedRows = await estimateRows(tx, table.name);
    const report = (rows: number, bytes: number, tableDone: boolean) =>
      progress.report({
        phase: 'table',
        ...(tableDone ? { tableDone } : {}),
        database: db.name,
        table: table.name,
        rows,
        bytes,
        estimatedRows,
        tablesDone: tableDone ? i + 1 : i,
        tablesTotal,
        archiveBytes: archiveBytes(),
      });
    const stats = await writeTable(tx, db.name, table, pack, (rows, bytes) => report(rows, bytes, false));
    tables.push({ ...table, ...stats });
    report(stats.rows, stats.bytes, true);
  }
  return tables;
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
        chunkSize: 4 << 20, // one output buffer for a compressed slice (~3 MB): no concatenation
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: 1,
          [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: slice.length,
        },
      }),
    COMPRESS_IN_FLIGHT,
  );
  const tooLarge = (detail: string) =>
    new SmgrError('BACKUP_ROW_TOO_LARGE', { table: `${database}.${table.name}`, detail });
  try {
    for await (const data of compressed) {
      if (data.length > MAX_SLICE_COMPRESSED) throw tooLarge(`a slice compresses to ${data.length} bytes`);
      await addEntry(pack, sliceEntryName(database, table.name, slices), data);
      slices++;
      compressedBytes += data.length;
      onProgress(digest.rows, digest.bytes);
    }
  } catch (e) {
    throw e instanceof SliceTooLarge ? tooLarge(e.message) : e;
  }
  return { rows: digest.rows, bytes: digest.bytes, sha256: digest.hex(), slices, compressedBytes };
}

/** §2.2: the named entries after the last slice, each listed in the manifest with its size and hash. */
async function writeNamedEntries(o: WriteArchiveOptions, pack: tar.Pack): Promise<NamedEntry[]> {
  const listed: NamedEntry[] = [];
  if (!o.namedEntries) return listed;
  for await (const e of o.namedEntries(o.tx)) {
    if (!isNamedEntry(e.name) || listed.some((l) => l.name === e.name)) {
      throw new Error(`invalid or repeated archive entry name ${JSON.stringify(e.name)}`);
    }
    if (e.data.length > MAX_NAMED_ENTRY) throw new Error(`archive entry ${e.name} is larger than 16 MiB`);
    await addEntry(pack, e.name, e.data);
    listed.push({
      name: e.name,
      bytes: e.data.length,
      sha256: createHash('sha256').update(e.data).digest('hex'),
    });
  }
  return listed;
}

/** Resolves once tar has taken the entry (and the reader drained it): backpressure. */
function addEntry(pack: tar.Pack, name: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ name, size: data.length, mode: 0o600, mtime: new Date(0) }, data, (err) =>
      err ? reject(err) : resolve(),
    );
  });
}

export { fsyncFile };
