/**
 * A PostgreSQL error while restoring a table's rows, keys or indexes means
 * the archive holds rows its schema refuses (a duplicate key, a dangling
 * reference, a NUL byte, a column too many): ARCHIVE_MALFORMED naming the
 * database and table and what PostgreSQL said in general terms (its
 * condition and constraint), never the row's values (PostgreSQL's detail
 * quotes them). Anything else passes through unchanged.
 */
import { isSmgrError, SmgrError } from '../errors/smgr-error.js';

const CONDITIONS: Record<string, string> = {
  '23505': 'a duplicate key',
  '23503': 'a reference to a missing row',
  '23502': 'a missing value in a column that requires one',
  '23514': 'a value its check constraint refuses',
  '22P02': 'a value that does not parse as its column type',
  '22P04': 'a row with more or fewer columns than the table',
  '22021': 'bytes that are not UTF-8 (or a NUL byte)',
  '22001': 'a value too long for its column',
  '22003': 'a number out of range',
  '22007': 'a malformed date or time',
  '22008': 'a date or time out of range',
  '22025': 'a malformed escape sequence',
  '42P01': 'a table the schema does not have',
  '42703': 'a column the schema does not have',
};

interface PgError {
  code?: unknown;
  severity?: unknown;
  constraint?: unknown;
}

/** True for an error PostgreSQL answered (an SQLSTATE), as opposed to a connection or smgr error. */
export function isPostgresError(e: unknown): e is PgError & { code: string } {
  const err = e as PgError;
  return typeof err?.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code) && typeof err.severity === 'string';
}

/** The error to show for `e`, raised while restoring `database.table` from `file`. */
export function restoreError(e: unknown, file: string, database: string, table: string): unknown {
  if (isSmgrError(e) || !isPostgresError(e)) return e;
  const what = CONDITIONS[e.code] ?? `rows PostgreSQL refuses (SQLSTATE ${e.code})`;
  const constraint = typeof e.constraint === 'string' ? ` (constraint ${e.constraint})` : '';
  return new SmgrError(
    'ARCHIVE_MALFORMED',
    { path: file, reason: `table ${database}.${table} holds ${what}${constraint}` },
    { cause: e },
  );
}
