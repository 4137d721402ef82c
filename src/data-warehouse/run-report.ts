/**
 * Runs a report: its SQL function in DWDataMart with checked parameters
 * (report-parameters.ts), answering one plain object per row with the
 * report's columns in order. Read only; a report reads one snapshot (one
 * statement). Also the work item classes a request may name: the built-in
 * ones and those MPSync brought into DWStagingAndConfig.
 */
import type { Queryable } from '../db/database.js';
import type { ReportDefinition } from './report-definitions.js';
import type { ReportParameters } from './report-parameters.js';

export const BUILT_IN_CLASSES = ['incident', 'service-request'] as const;

export type ReportRow = Record<string, string | number | null>;

export async function runReport(
  datamart: Queryable,
  report: ReportDefinition,
  p: Pick<ReportParameters, 'from' | 'to' | 'grain' | 'class' | 'limit'>,
): Promise<ReportRow[]> {
  const select = report.columns.map((c) => `${c.sql} AS "${c.key}"`).join(', ');
  const args = [
    '$1::date',
    '$2::date',
    '$3::text',
    '$4::text',
    ...(report.takesLimit ? ['$5::integer'] : []),
  ];
  const values: unknown[] = [p.from, p.to, p.grain, p.class, ...(report.takesLimit ? [p.limit] : [])];
  const r = await datamart.query<ReportRow>(`SELECT ${select} FROM ${report.fn}(${args.join(', ')})`, values);
  return r.rows.map((row) => {
    const out: ReportRow = {};
    for (const c of report.columns) out[c.key] = row[c.key] ?? null;
    return out;
  });
}

/** Work item classes a report may be asked for, sorted. */
export async function reportClasses(staging: Queryable): Promise<string[]> {
  const r = await staging.query<{ class: string }>(
    `SELECT class FROM dw_classes WHERE kind = 'work-item' UNION SELECT unnest($1::text[]) ORDER BY 1`,
    [[...BUILT_IN_CLASSES]],
  );
  return r.rows.map((x) => x.class);
}

/** Today, UTC, as YYYY-MM-DD. */
export const todayUtc = (now = new Date()): string => now.toISOString().slice(0, 10);
