/**
 * The database interface: everything above src/db talks to a Database and
 * never knows which engine is behind it (PGlite embedded, or a PostgreSQL
 * server through pg). Modelled on kysely's dialect/driver split: this file is
 * the small contract; each engine file implements it.
 *
 * Guarantees: queries take parameters ($1, $2, ...) and never splice values
 * into SQL; a transaction either commits whole or rolls back whole; COPY
 * streams run inside a transaction so a backup reads one snapshot.
 */

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
   * Streams `COPY <target> FROM STDIN` (text format); resolves to the rows loaded.
   * `freeze` writes the rows frozen: only for a table created in this transaction.
   */
  copyIn(target: string, data: AsyncIterable<Uint8Array>, options?: CopyInOptions): Promise<number>;
}

export interface CopyInOptions {
  freeze?: boolean;
}

export const copyInOptions = (o: CopyInOptions = {}): string => (o.freeze ? ' WITH (FREEZE)' : '');

export type EngineKind = 'embedded' | 'server';

export interface Database extends Queryable {
  readonly engine: EngineKind;
  /** The URL with any password removed: safe to print. */
  readonly displayUrl: string;
  transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
  serverVersion(): Promise<string>;
  close(): Promise<void>;
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
