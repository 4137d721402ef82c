/**
 * The database interface: everything above src/db talks to a Database and
 * never knows which engine is behind it (PGlite embedded, or a PostgreSQL
 * server through pg). Modelled on kysely's dialect/driver split: this file is
 * the small contract; each engine file implements it. Where the engines
 * differ, the difference is a capability here (singleProcess, parallelism,
 * copyTableOut, tuneForBulkLoad), never a test of the engine's name above
 * src/db.
 *
 * Guarantees: queries take parameters ($1, $2, ...) and never splice values
 * into SQL; a transaction either commits whole or rolls back whole; COPY
 * streams run inside a transaction so a backup reads one snapshot; named
 * advisory locks (advisory-locks.ts) end with their transaction.
 */
import { ADVISORY_LOCKS, type AdvisoryLockName } from './advisory-locks.js';

export type Row = Record<string, unknown>;

export interface QueryResult<R extends Row = Row> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Runs a script of several statements without parameters (migrations only). */
  exec(sql: string): Promise<void>;
}

export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

export interface TransactionOptions {
  isolation?: IsolationLevel;
  readOnly?: boolean;
}

export interface Transaction extends Queryable {
  /**
   * Streams `COPY <source> TO STDOUT` in PostgreSQL's text COPY format.
   * `source` is a quoted table name (with optional column list) or a
   * parenthesised SELECT built by smgr from its own schema, never user input.
   */
  copyOut(source: string): AsyncIterable<Uint8Array>;
  /**
   * A whole table's rows (the given columns, in COPY text), read in this
   * transaction's snapshot with memory bounded whatever the table's size: one
   * COPY stream on a server; ranges of heap pages on PGlite, whose COPY hands
   * over a whole buffer (docs/FORMAT.md §2.8). `table` and `columns` are
   * names from smgr's own schema; they are quoted here.
   */
  copyTableOut(table: string, columns: readonly string[]): AsyncIterable<Uint8Array>;
  /**
   * Streams `COPY <target> FROM STDIN` (text format); resolves to the rows loaded.
   * `freeze` writes the rows frozen: only for a table created in this transaction.
   */
  copyIn(target: string, data: AsyncIterable<Uint8Array>, options?: CopyInOptions): Promise<number>;
  /** Waits for the named advisory lock; held until this transaction ends. */
  lock(name: AdvisoryLockName): Promise<void>;
  /** Takes the named advisory lock if it is free (true), else answers false at once. */
  tryLock(name: AdvisoryLockName): Promise<boolean>;
  /**
   * Settings for loading rows in bulk and building indexes in this
   * transaction (more memory for index sorts on a server; PGlite keeps its
   * defaults, its memory being the process's).
   */
  tuneForBulkLoad(): Promise<void>;
}

/** The SQL of a named lock, for the engines. */
export const lockSql = (name: AdvisoryLockName, wait: boolean): string =>
  `SELECT ${wait ? 'pg_advisory_xact_lock' : 'pg_try_advisory_xact_lock'}(${ADVISORY_LOCKS[name]}) AS ok`;

export interface CopyInOptions {
  freeze?: boolean;
}

export const copyInOptions = (o: CopyInOptions = {}): string => (o.freeze ? ' WITH (FREEZE)' : '');

export type EngineKind = 'embedded' | 'server';

export interface Database extends Queryable {
  /** Which engine: for people (status, an archive's header), never to branch on (use the capabilities). */
  readonly engine: EngineKind;
  /** The URL with any password removed: safe to print. */
  readonly displayUrl: string;
  /**
   * One process at a time: while this process has the database open, no
   * other process can (PGlite's data directory lock). Such a database can
   * serve one management server only.
   */
  readonly singleProcess: boolean;
  /** How many transactions can make progress at once, each on its own connection (1 on PGlite). */
  readonly parallelism: number;
  transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * One connection held for a run of statements, with `settings` (name →
   * value, as set_config takes them) for all of them. On a server each
   * statement commits on its own (a COPY is one round trip, where a
   * transaction costs three more: BEGIN, its settings, COMMIT), and `fn` may
   * open transactions of its own; the connection is closed afterwards, so
   * the settings never reach another user of the pool. On PGlite (one
   * connection) `fn` runs in one transaction, the settings local to it, and
   * must not open one.
   */
  session<T>(fn: (s: Transaction) => Promise<T>, settings?: Record<string, string>): Promise<T>;
  serverVersion(): Promise<string>;
  /**
   * Closes the database. With `removeIfCreated`, storage that opening it
   * created is removed again (an embedded directory made by this open: a
   * failed restore leaves nothing behind); a server database is never dropped.
   */
  close(options?: { removeIfCreated?: boolean }): Promise<void>;
}

/** One statement setting each of `settings` (local to the transaction, or to the session): parameters $1… */
export function settingsStatement(settings: Record<string, string>, local: boolean): [string, string[]] {
  const entries = Object.entries(settings);
  const calls = entries.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, ${local})`);
  return [`SELECT ${calls.join(', ')}`, entries.flat()];
}

export function beginStatement(options: TransactionOptions = {}): string {
  const parts = ['BEGIN'];
  if (options.isolation) parts.push(`ISOLATION LEVEL ${options.isolation.toUpperCase()}`);
  if (options.readOnly) parts.push('READ ONLY');
  return parts.join(' ');
}

/** Double-quotes an identifier from smgr's own schema (defence in depth). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
