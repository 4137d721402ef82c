/**
 * The parameters of a report request, checked: `from` and `to` (calendar
 * days YYYY-MM-DD, from ≤ to, at most MAX_RANGE_DAYS apart; defaults: `to`
 * today UTC, `from` a period's worth before it), `grain` (day, week, month,
 * all; default day), `class` (a work item class the DW knows; default every
 * class), `limit` (top-configuration-items only: 1–100, default 10) and
 * `format` (json, csv). Anything else, a repeated parameter or a bad value
 * is DW_REPORT_PARAMETER naming the allowed values; a value is never echoed
 * back (query strings stay out of errors and logs). Pure.
 */
import { SmgrError } from '../errors/smgr-error.js';
import { GRAINS, type Grain, type ReportDefinition } from './report-definitions.js';

export const MAX_RANGE_DAYS = 3660;
export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 100;

export interface ReportParameters {
  from: string;
  to: string;
  grain: Grain;
  class: string | null;
  limit: number;
  format: 'json' | 'csv' | undefined;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

const bad = (parameter: string, reason: string, allowed: string) =>
  new SmgrError('DW_REPORT_PARAMETER', { parameter, reason, allowed });

/** A calendar day as UTC ms, or undefined when it is no real date. */
function dayMs(text: string): number | undefined {
  const m = DAY.exec(text);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(ms).toISOString().slice(0, 10) === text ? ms : undefined;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The default first day: 30 days, 12 weeks or 12 months ending on `to`. */
function defaultFrom(toMs: number, grain: Grain): number {
  if (grain === 'week') return toMs - 83 * DAY_MS;
  if (grain === 'month') {
    const d = new Date(toMs);
    return Date.UTC(d.getUTCFullYear() - 1, d.getUTCMonth() + 1, 1);
  }
  return toMs - 29 * DAY_MS;
}

export function parseReportParameters(
  report: ReportDefinition,
  query: Record<string, unknown>,
  known: { today: string; classes: readonly string[] },
): ReportParameters {
  const names = ['from', 'to', 'grain', 'class', 'format', ...(report.takesLimit ? ['limit'] : [])];
  for (const key of Object.keys(query)) {
    if (!names.includes(key)) {
      const shown = /^[A-Za-z0-9_-]{1,32}$/.test(key) ? key : '(unnamed)';
      throw bad(shown, `the report ${report.name} takes no such parameter`, names.join(', '));
    }
  }
  const one = (key: string): string | undefined => {
    const v = query[key];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string') throw bad(key, 'it is given more than once', 'one value');
    return v;
  };

  const grainText = one('grain') ?? 'day';
  if (!(GRAINS as readonly string[]).includes(grainText))
    throw bad('grain', 'it is no grain', GRAINS.join(', '));
  const grain = grainText as Grain;

  const toText = one('to');
  const toMs = toText === undefined ? dayMs(known.today) : dayMs(toText);
  if (toMs === undefined) throw bad('to', 'it is no calendar day', 'a day as YYYY-MM-DD');
  const fromText = one('from');
  const fromMs = fromText === undefined ? defaultFrom(toMs, grain) : dayMs(fromText);
  if (fromMs === undefined) throw bad('from', 'it is no calendar day', 'a day as YYYY-MM-DD');
  if (fromMs > toMs) throw bad('from', 'it is after to', 'a day on or before to');
  if ((toMs - fromMs) / DAY_MS + 1 > MAX_RANGE_DAYS)
    throw bad(
      'from',
      `the range is longer than ${MAX_RANGE_DAYS} days`,
      `at most ${MAX_RANGE_DAYS} days before to`,
    );

  const cls = one('class') ?? null;
  if (cls !== null && !known.classes.includes(cls))
    throw bad('class', 'it is no work item class of this data warehouse', known.classes.join(', '));

  let limit = DEFAULT_LIMIT;
  const limitText = report.takesLimit ? one('limit') : undefined;
  if (limitText !== undefined) {
    limit = /^\d{1,3}$/.test(limitText) ? Number(limitText) : 0;
    if (limit < 1 || limit > MAX_LIMIT)
      throw bad('limit', 'it is no whole number in range', `1 to ${MAX_LIMIT}`);
  }

  const format = one('format');
  if (format !== undefined && format !== 'json' && format !== 'csv')
    throw bad('format', 'it is no format', 'json, csv');

  return { from: isoDay(fromMs), to: isoDay(toMs), grain, class: cls, limit, format };
}
