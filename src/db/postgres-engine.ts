/**
 * The server engine: a PostgreSQL server through node-postgres, with COPY
 * streamed through pg-copy-streams (memory flat whatever the table size).
 * A pool of connections; a transaction holds one connection from BEGIN to
 * COMMIT/ROLLBACK, so `parallelism` transactions (the pool's size) make
 * progress at once. Connection failures become DATABASE_UNREACHABLE with the
 * password-free URL.
 *
 * Crash: the server rolls back the transactions of a connection that dies
 * and releases its advisory locks.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { SmgrError } from '../errors/smgr-error.js';
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

pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'ECONNRESET',
  'EAI_AGAIN',
  '3D000',
  '28P01',
  '28000',
]);

export async function openPostgres(
  url: string,
  displayUrl: string,
  options: { max?: number } = {},
): Promise<Database> {
  const max = options.max ?? 10;
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => {
    // An idle client lost its connection; the next query reconnects or fails visibly.
  });
  const db = new PostgresDatabase(pool, displayUrl, max);
  await db.query('SELECT 1');
  return db;
}

class PostgresDatabase implements Database {
  readonly engine = 'server' as const;
  readonly singleProcess = false;
  constructor(
    private readonly pool: pg.Pool,
    readonly displayUrl: string,
    readonly parallelism: number,
  ) {}

  async query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    try {
      const r = await this.pool.query<R>(sql, params as unknown[]);
      return { rows: r.rows, rowCount: r.rowCount ?? r.rows.length };
    } catch (e) {
      throw this.mapConnectionError(e);
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.pool.query(sql);
    } catch (e) {
      throw this.mapConnectionError(e);
    }
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw this.mapConnectionError(e);
    }
    let broken = false;
    // The server may end a connection while it is checked out (e.g. idle_in_transaction_session_timeout):
    // pg then emits 'error' on the client, which must not become an uncaught exception.
    const onError = () => {
      broken = true;
    };
    client.on('error', onError);
    // A COPY abandoned half-way (its reader stopped) cannot be drained: the connection is closed instead,
    // so the server rolls the transaction back and the ROLLBACK below fails fast rather than waiting.
    const abandon = () => {
      broken = true;
      client.end().catch(() => {});
    };
    try {
      await client.query(beginStatement(options));
      const result = await fn(new PostgresTransaction(client, abandon));
      await client.query('COMMIT');
      return result;
    } catch (e) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw e;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  async session<T>(fn: (s: Transaction) => Promise<T>, settings: Record<string, string> = {}): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw this.mapConnectionError(e);
    }
    const onError = () => {};
    client.on('error', onError);
    try {
      if (Object.keys(settings).length > 0) await client.query(...settingsStatement(settings, false));
      return await fn(new PostgresTransaction(client, () => client.end().catch(() => {})));
    } finally {
      client.off('error', onError);
      // Closed, not returned to the pool: its settings (and any transaction fn left open) end with it.
      client.release(true);
    }
  }

  async serverVersion(): Promise<string> {
    const r = await this.query<{ server_version: string }>('SHOW server_version');
    return r.rows[0]?.server_version ?? 'unknown';
  }

  async close(_options: { removeIfCreated?: boolean } = {}): Promise<void> {
    // A server database is never created by opening it, so there is nothing to remove.
    await this.pool.end();
  }

  private mapConnectionError(e: unknown): unknown {
    const code = (e as { code?: string }).code;
    if (code && CONNECTION_CODES.has(code)) {
      return new SmgrError(
        'DATABASE_UNREACHABLE',
        { url: this.displayUrl, reason: reasonOf(e) },
        { cause: e },
      );
    }
    return e;
  }
}

class PostgresTransaction implements Transaction {
  constructor(
    private readonly client: pg.PoolClient,
    private readonly abandon: () => void,
  ) {}

  async query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    const r = await this.client.query<R>(sql, params as unknown[]);
    return { rows: r.rows, rowCount: r.rowCount ?? r.rows.length };
  }

  async exec(sql: string): Promise<void> {
    await this.client.query(sql);
  }

  async *copyOut(source: string): AsyncIterable<Uint8Array> {
    const stream = this.client.query(copyTo(`COPY ${source} TO STDOUT`));
    let ended = false;
    try {
      for await (const chunk of stream) yield chunk as Buffer;
      ended = true;
    } finally {
      if (!ended) this.abandon();
    }
  }

  copyTableOut(table: string, columns: readonly string[]): AsyncIterable<Uint8Array> {
    return this.copyOut(`${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')})`);
  }

  async copyIn(target: string, data: AsyncIterable<Uint8Array>, options?: CopyInOptions): Promise<number> {
    const stream = this.client.query(copyFrom(`COPY ${target} FROM STDIN${copyInOptions(options)}`));
    await pipeline(Readable.from(data), stream);
    return Number(stream.rowCount ?? 0);
  }

  async lock(name: AdvisoryLockName): Promise<void> {
    await this.client.query(lockSql(name, true));
  }

  async tryLock(name: AdvisoryLockName): Promise<boolean> {
    const r = await this.client.query<{ ok: boolean }>(lockSql(name, false));
    return r.rows[0]?.ok === true;
  }

  async tuneForBulkLoad(): Promise<void> {
    // Index builds sort in memory instead of spilling to disk (pg_restore users set the same).
    await this.client.query("SET LOCAL maintenance_work_mem = '256MB'");
  }
}

function reasonOf(e: unknown): string {
  const err = e as { code?: string; message?: string };
  // pg messages name hosts and users, never passwords; keep them short.
  return (err.message ?? String(err.code ?? 'unknown error')).split('\n')[0] ?? 'unknown error';
}
