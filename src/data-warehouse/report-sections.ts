/**
 * What the report page shows for one set of parameters: each report run on
 * the data mart and drawn (src/web/svg-chart.ts), with the rows its table
 * shows and the link to its CSV. Backlog is one line per class (and the
 * total) when no class is chosen; time to resolution and the most affected
 * configuration items are drawn over the whole range (grain `all`). Read only.
 */
import type { Queryable } from '../db/database.js';
import { barChart, lineChart } from '../web/svg-chart.js';
import { type Grain, type ReportColumn, reportNamed } from './report-definitions.js';
import type { ReportParameters } from './report-parameters.js';
import { type ReportRow, runReport } from './run-report.js';

export const GRAIN_LABELS: Record<Grain, string> = {
  day: 'Day',
  week: 'Week',
  month: 'Month',
  all: 'Whole range',
};

export interface ReportSection {
  name: string;
  title: string;
  description: string;
  chart: string;
  columns: readonly ReportColumn[];
  rows: ReportRow[];
  csv: string;
}

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

function csvLink(name: string, p: ReportParameters, grain: Grain): string {
  const q = new URLSearchParams({ from: p.from, to: p.to, grain });
  if (p.class) q.set('class', p.class);
  return `/reports/${name}.csv?${q.toString()}`;
}

export async function buildReportSections(
  datamart: Queryable,
  p: ReportParameters,
  classes: readonly string[],
): Promise<ReportSection[]> {
  const def = (name: string) => reportNamed(name)!;
  const run = (name: string, over: Partial<ReportParameters> = {}) =>
    runReport(datamart, def(name), { ...p, ...over });
  const sections: ReportSection[] = [];
  const section = (name: string, chart: string, rows: ReportRow[], grain: Grain, description?: string) =>
    sections.push({
      name,
      title: def(name).title,
      description: description ?? def(name).description,
      chart,
      columns: def(name).columns,
      rows,
      csv: csvLink(name, p, grain),
    });

  const backlog = await run('backlog');
  const periods = backlog.map((r) => String(r.period));
  const perClass =
    p.class === null ? await Promise.all(classes.map((c) => run('backlog', { class: c }))) : [];
  section(
    'backlog',
    lineChart({
      id: 'chart-backlog',
      title: 'Backlog: open work items',
      categories: periods,
      series: [
        { name: p.class ?? 'All classes', values: backlog.map((r) => num(r.open)) },
        ...perClass.map((rows, i) => ({ name: classes[i]!, values: rows.map((r) => num(r.open)) })),
      ],
      yLabel: 'open work items',
    }),
    backlog,
    p.grain,
  );

  const or = await run('opened-resolved');
  const orSeries = [
    { name: 'Opened', values: or.map((r) => num(r.opened)) },
    { name: 'Resolved', values: or.map((r) => num(r.resolved)) },
  ];
  const orInput = {
    id: 'chart-opened-resolved',
    title: 'Opened and resolved',
    categories: periods,
    series: orSeries,
    yLabel: 'work items',
  };
  section('opened-resolved', or.length <= 31 ? barChart(orInput) : lineChart(orInput), or, p.grain);

  const ttrAll = await run('time-to-resolution', { grain: 'all' });
  section(
    'time-to-resolution',
    barChart({
      id: 'chart-time-to-resolution',
      title: 'Time to resolution by priority',
      categories: ttrAll.map((r) => String(r.priorityName)),
      series: [
        { name: 'Mean', values: ttrAll.map((r) => num(r.meanHours)) },
        { name: '90th percentile', values: ttrAll.map((r) => num(r.p90Hours)) },
      ],
      yLabel: 'hours',
    }),
    await run('time-to-resolution'),
    p.grain,
  );

  const sla = await run('sla-compliance');
  section(
    'sla-compliance',
    barChart({
      id: 'chart-sla-compliance',
      title: 'SLA: met and breached',
      categories: periods,
      series: [
        { name: 'Met', values: sla.map((r) => num(r.met)) },
        { name: 'Breached', values: sla.map((r) => num(r.breached)) },
      ],
      yLabel: 'incidents',
    }),
    sla,
    p.grain,
  );

  const top = await run('top-configuration-items', { grain: 'all' });
  section(
    'top-configuration-items',
    barChart({
      id: 'chart-top-configuration-items',
      title: 'Most affected configuration items',
      categories: top.map((r) => String(r.configItem ?? `#${r.configItemId}`)),
      series: [{ name: 'Work items', values: top.map((r) => num(r.workItems)) }],
      yLabel: 'work items',
    }),
    top,
    'all',
    'The configuration items with the most work items newly related to them over the whole range, highest first.',
  );
  return sections;
}
