/**
 * The embedded engine: PGlite (PostgreSQL compiled to WASM) on a data
 * directory under the home. One process opens a directory at a time
 * (src/files/file-lock.ts). PGlite runs one statement at a time, so transactions
 * are naturally serialised within the process.
 *
 * COPY: PGlite exchanges COPY data as a whole Blob (`/dev/blob`), not as a
 * socket stream; copyOut yields that blob in chunks, and copyIn gathers its
 * input into a Blob. copyTableOut therefore reads a table in ranges of heap
 * pages (a TID range scan in the transaction's snapshot), so memory is
 * bounded by a range, not by the table (docs/FORMAT.md §2.8).
 *
 * Crash: PGlite's own recovery on the next open (WAL); the directory lock is
 * held by the kernel and freed when the process dies (src/files/file-lock.ts).
 */
import fs from 'node:fs';
import { PGlite, type Transaction as PGliteTx, types } from '@electric-sql/pglite';
import { firstMissingAncestor } from '../computer/first-missing-ancestor.js';
import { type FileLock, lockDirectory } from '../files/file-lock.js';
import type { AdvisoryLockName } from './advisory-locks.js';
import {
  beginStatement,
  type CopyInOptions,
  copyInOptions,
  type Database,
  lockSql,
  type QueryResult,
  quoteIdent,
  type Row,
  settingsStatement,
  type Transaction,
  type TransactionOptions,
} from './database.js';
import { isNewDataDir, readPgliteTemplate } from './pglite-template.js';

const parsers = { [types.INT8]: (v: string) => Number(v) };
/** 8 MiB of heap per COPY in copyTableOut. */
const PAGES_PER_RANGE = 1024;

/**
 * A restore's target runs with 32 MB of shared buffers instead of PGlite's
 * 128 MB: the buffers are this process's memory, and a restore's COPYs and
 * index builds go through small buffer rings anyway. Measured on a 100k
 * work item archive: peak RSS 593-612 -> 520-529 MB, wall time +1%. A start
 * parameter, not written into the directory: a later open has the default.
 */
const RESTORE_START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=32MB'];

export async function openPGlite(
  dataDir: string,
  options: { onStep?: (message: string) => void; restoreTarget?: boolean } = {},
): Promise<Database> {
  const created = firstMissingAncestor(dataDir);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lock = await lockDirectory(dataDir);
  let pg: PGlite;
  try {
    // A new data directory: from the build's template when there is one (pglite-template.ts), else initdb.
    const template = isNewDataDir(dataDir) ? readPgliteTemplate() : undefined;
    if (isNewDataDir(dataDir)) {
      options.onStep?.(
        template
          ? `creating the embedded database ${dataDir} from the template`
          : `creating the embedded database ${dataDir}: PGlite's initdb takes up to a minute and ~900 MB of memory (no template for this PGlite version: npm run build makes one)`,
      );
    }
    pg = await PGlite.create(dataDir, {
      parsers,
      ...(template ? { loadDataDir: template } : {}),
      ...(options.restoreTarget ? { startParams: RESTORE_START_PARAMS } : {}),
    });
  } catch (e) {
    lock.release();
    if (created) fs.rmSync(created, { recursive: true, force: true });
    throw e;
  }
  return new PGliteDatabase(pg, dataDir, lock, created);
}

class PGliteDatabase implements Database {
  readonly engine = 'embedded' as const;
  readonly singleProcess = true;
  readonly parallelism = 1;
  readonly displayUrl: string;
  private closed = false;

  constructor(
    private readonly pg: PGlite,
    dataDir: string,
    private readonly lock: FileLock,
    /** The top-most directory this open created, if any. */
    private readonly created: string | undefined,
  ) {
    this.displayUrl = `pglite:${dataDir}`;
  }

  async query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    return toResult<R>(await this.pg.query<R>(sql, params as unknown[]));
  }

  async exec(sql: string): Promise<void> {
    await this.pg.exec(sql);
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.pg.transaction(async (tx) => {
      const begin = beginStatement(options);
      if (begin !== 'BEGIN') await tx.exec(begin.replace(/^BEGIN/, 'SET TRANSACTION'));
      return fn(new PGliteTransaction(tx));
    });
  }

  async session<T>(fn: (s: Transaction) => Promise<T>, settings: Record<string, string> = {}): Promise<T> {
    return this.pg.transaction(async (tx) => {
      if (Object.keys(settings).length > 0) await tx.query(...settingsStatement(settings, true));
      return fn(new PGliteTransaction(tx));
    });
  }

  async serverVersion(): Promise<string> {
    const r = await this.pg.query<{ server_version: string }>('SHOW server_version');
    return r.rows[0]?.server_version ?? 'unknown';
  }

  async close(options: { removeIfCreated?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.pg.close();
    } finally {
      this.lock.release();
      if (options.removeIfCreated && this.created) fs.rmSync(this.created, { recursive: true, force: true });
    }
  }
}

class PGliteTransaction implements Transaction {
  constructor(private readonly tx: PGliteTx) {}

  async query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    return toResult<R>(await this.tx.query<R>(sql, params as unknown[]));
  }

  async exec(sql: string): Promise<void> {
    await this.tx.exec(sql);
  }

  async *copyOut(source: string): AsyncIterable<Uint8Array> {
    const result = await this.tx.query(`COPY ${source} TO '/dev/blob'`);
    if (!result.blob) return;
    const reader = result.blob.stream().getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  }

  async *copyTableOut(table: string, columns: readonly string[]): AsyncIterable<Uint8Array> {
    const r = await this.tx.query<{ pages: number }>(
      `SELECT (pg_relation_size($1::regclass) / current_setting('block_size')::int)::int AS pages`,
      [quoteIdent(table)],
    );
    const pages = r.rows[0]?.pages ?? 0;
    const cols = columns.map(quoteIdent).join(', ');
    for (let from = 0; from < pages; from += PAGES_PER_RANGE) {
      const to = from + PAGES_PER_RANGE;
      // from/to are integers computed here, never input.
      yield* this.copyOut(
        `(SELECT ${cols} FROM ${quoteIdent(table)} WHERE ctid >= '(${from},0)'::tid AND ctid < '(${to},0)'::tid)`,
      );
    }
  }

  async copyIn(target: string, data: AsyncIterable<Uint8Array>, options?: CopyInOptions): Promise<number> {
    const parts: Uint8Array[] = [];
    for await (const chunk of data) parts.push(chunk);
    const sql = `COPY ${target} FROM '/dev/blob'${copyInOptions(options)}`;
    const result = await this.tx.query(sql, [], { blob: new Blob(parts) });
    return result.affectedRows ?? 0;
  }

  async lock(name: AdvisoryLockName): Promise<void> {
    await this.tx.query(lockSql(name, true));
  }

  async tryLock(name: AdvisoryLockName): Promise<boolean> {
    const r = await this.tx.query<{ ok: boolean }>(lockSql(name, false));
    return r.rows[0]?.ok === true;
  }

  async tuneForBulkLoad(): Promise<void> {
    // PGlite's memory is this process's: its defaults stay.
  }
}

function toResult<R extends Row>(r: { rows: R[]; affectedRows?: number }): QueryResult<R> {
  for (const row of r.rows) {
    for (const [k, v] of Object.entries(row)) {
      // Both engines hand bytea out as Buffer.
      if (v instanceof Uint8Array && !Buffer.isBuffer(v)) (row as Row)[k] = Buffer.from(v);
    }
  }
  return { rows: r.rows, rowCount: r.affectedRows || r.rows.length };
}
