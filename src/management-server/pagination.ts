/**
 * Keyset pagination for list routes: `limit` (default 50, 1-500, a string in
 * the query schema, converted here) and an opaque `cursor` that names the
 * last key of the previous page. A cursor is base64url of "<list>:<key>",
 * must be canonical and must belong to the list it is used on; anything else
 * is 400 VALIDATION. Each page is read with limit+1 rows, so nextCursor is
 * null exactly when there is nothing more.
 */
import { SmgrError } from '../errors/smgr-error.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

export const limitSchema = {
  type: 'string',
  pattern: '^[1-9][0-9]{0,2}$',
  description: `Page size, 1-${MAX_LIMIT} (default ${DEFAULT_LIMIT}).`,
} as const;

export const cursorSchema = {
  type: 'string',
  pattern: '^[A-Za-z0-9_-]{1,2048}$',
  description: 'Opaque: the nextCursor of the previous page.',
} as const;

export function pageSchema(itemRef: string) {
  return {
    type: 'object',
    required: ['items', 'nextCursor'],
    additionalProperties: false,
    properties: {
      items: { type: 'array', items: { $ref: `${itemRef}#` } },
      nextCursor: {
        type: ['string', 'null'],
        description: 'Pass as cursor to get the next page; null on the last.',
      },
    },
  } as const;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const invalid = (detail: string) => new SmgrError('VALIDATION', { detail: `querystring/${detail}` });

export function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT)
    throw invalid(`limit must be between 1 and ${MAX_LIMIT}`);
  return n;
}

export function encodeCursor(list: string, key: string): string {
  return Buffer.from(`${list}:${key}`, 'utf8').toString('base64url');
}

/** The key inside a cursor of `list`; throws VALIDATION for anything this server did not issue. */
export function decodeCursor(list: string, cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const prefix = `${list}:`;
  const canonical =
    text.startsWith(prefix) && text !== prefix && encodeCursor(list, text.slice(prefix.length)) === cursor;
  if (!canonical) {
    throw invalid('cursor is not a cursor of this list');
  }
  return text.slice(prefix.length);
}

/** A cursor whose key is a positive integer id. */
export function decodeIdCursor(list: string, cursor: string): number {
  const key = decodeCursor(list, cursor);
  if (!/^[1-9][0-9]{0,14}$/.test(key)) throw invalid('cursor is not a cursor of this list');
  return Number(key);
}

/** Cuts rows read with limit+1 into a page. */
export function toPage<T>(rows: T[], limit: number, list: string, keyOf: (row: T) => string): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(list, keyOf(last)) : null };
}
