/**
 * A report as CSV (RFC 4180): a header of the column keys, then one line per
 * row, CRLF line ends; a field with a comma, quote or line break is quoted,
 * quotes doubled. A text field a spreadsheet would read as a formula (it
 * starts with =, +, -, @, a tab or a carriage return) is prefixed with an
 * apostrophe, so a configuration item named "=HYPERLINK(...)" stays text.
 * Numbers are written as they are; null is an empty field. Pure.
 */
import type { ReportRow } from './run-report.js';

function field(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const text = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(columns: readonly string[], rows: readonly ReportRow[]): string {
  const lines = [columns.map(field).join(',')];
  for (const row of rows) lines.push(columns.map((c) => field(row[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
