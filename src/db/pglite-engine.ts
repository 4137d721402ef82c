/**
 * The embedded engine: PGlite (PostgreSQL compiled to WASM) on a data
 * directory under the home. One process opens a directory at a time
 * (src/files/file-lock.ts). PGlite runs one statement at a time, so transactions
 * are naturally serialised within the process.
 *
 * COPY: PGlite exchanges COPY data as a whole Blob (`/dev/blob`), not as a
 * socket stream; copyOut yields that blob in chunks, and copyIn gathers its
 * input into a Blob. Memory per table is therefore bounded by the table's
 * COPY size on this engine (see docs/FORMAT.md, "Engines").
 */
import fs from 'node:fs';
import { PGlite, type Transaction as PGliteTx, types } from '@electric-sql/pglite';
import { type FileLock, lockDirectory } from '../files/file-lock.js';
import {
  beginStatement,
  type CopyInOptions,
  copyInOptions,
  type Database,
  type QueryResult,
  type Row,
  type Transaction,
  type TransactionOptions,
} from './database.js';

const parsers = { [types.INT8]: (v: string) => Number(v) };

export async function openPGlite(dataDir: string): Promise<Database> {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lock = await lockDirectory(dataDir);
  let pg: PGlite;
  try {
    pg = await PGlite.create(dataDir, { parsers });
  } catch (e) {
    lock.release();
    throw e;
  }
  return new PGliteDatabase(pg, dataDir, lock);
}

class PGliteDatabase implements Database {
  readonly engine = 'embedded' as const;
  readonly displayUrl: string;
  private closed = false;

  constructor(
    private readonly pg: PGlite,
    dataDir: string,
    private readonly lock: FileLock,
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

  async serverVersion(): Promise<string> {
    const r = await this.pg.query<{ server_version: string }>('SHOW server_version');
    return r.rows[0]?.server_version ?? 'unknown';
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.pg.close();
    } finally {
      this.lock.release();
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

  async copyIn(target: string, data: AsyncIterable<Uint8Array>, options?: CopyInOptions): Promise<number> {
    const parts: Uint8Array[] = [];
    for await (const chunk of data) parts.push(chunk);
    const sql = `COPY ${target} FROM '/dev/blob'${copyInOptions(options)}`;
    const result = await this.tx.query(sql, [], { blob: new Blob(parts) });
    return result.affectedRows ?? 0;
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
