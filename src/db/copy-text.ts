/**
 * Rows in PostgreSQL's COPY text format, for `Transaction.copyIn` (the bulk
 * writes of the data warehouse's jobs): one line per row, fields separated
 * by tabs, `\N` for NULL. A field's backslash, tab, newline and carriage
 * return are escaped (`\\`, `\t`, `\n`, `\r`), so no value can end its field
 * or its row early, whatever a source sent. Every other character is the
 * value itself; the caller's column types parse it on the server (a JSON
 * text into jsonb, an ISO time into timestamptz).
 *
 * Written here rather than taken from a library: pg-copy-streams (which
 * the engine uses) moves the bytes but does not encode rows, and the
 * encoding is these few lines (PostgreSQL docs, COPY, "Text Format").
 * Pure functions: nothing to leave behind.
 */

const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One field: `\N` for null or undefined, else the value's text escaped. */
export function copyTextField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  const text = String(value);
  return SPECIAL.test(text) ? text.replace(SPECIALS, (c) => ESCAPES[c]!) : text;
}

/** Rows of fields as COPY text, each line ending in a newline. */
export function copyTextRows(
  rows: Iterable<ReadonlyArray<string | number | boolean | null | undefined>>,
): string {
  let out = '';
  for (const row of rows) out += `${row.map(copyTextField).join('\t')}\n`;
  return out;
}
