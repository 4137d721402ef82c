/**
 * The DW's reports (docs/DATA-WAREHOUSE.md, Reports): each one a SQL function of
 * DWDataMart (migration v5), its columns in the order of the JSON objects
 * and of the CSV header, and how the report page draws it. Pure data: the
 * query is run by run-report.ts.
 */

export type Grain = 'day' | 'week' | 'month' | 'all';
export const GRAINS: readonly Grain[] = ['day', 'week', 'month', 'all'];

export interface ReportColumn {
  /** The JSON key and CSV header. */
  key: string;
  /** Its SQL expression over the function's columns. */
  sql: string;
  /** What it holds, for the docs and the page's table captions. */
  label: string;
}

export interface ReportDefinition {
  name: string;
  title: string;
  description: string;
  /** The SQL function; its arguments are (from, to, grain, class) and, with `limit`, the limit. */
  fn: string;
  takesLimit: boolean;
  columns: readonly ReportColumn[];
}

const periodColumns: ReportColumn[] = [
  { key: 'period', sql: 'period', label: 'Period' },
  { key: 'start', sql: "to_char(period_start, 'YYYY-MM-DD')", label: 'First day' },
  { key: 'end', sql: "to_char(period_end, 'YYYY-MM-DD')", label: 'Last day' },
];

export const REPORTS: readonly ReportDefinition[] = [
  {
    name: 'backlog',
    title: 'Backlog',
    description: 'Open work items at the end of each period (midnight UTC after its last day).',
    fn: 'report_backlog',
    takesLimit: false,
    columns: [...periodColumns, { key: 'open', sql: 'open', label: 'Open at the end' }],
  },
  {
    name: 'opened-resolved',
    title: 'Opened and resolved',
    description: 'Work items created, and work items resolved (their last resolution), in each period.',
    fn: 'report_opened_resolved',
    takesLimit: false,
    columns: [
      ...periodColumns,
      { key: 'opened', sql: 'opened', label: 'Opened' },
      { key: 'resolved', sql: 'resolved', label: 'Resolved' },
    ],
  },
  {
    name: 'time-to-resolution',
    title: 'Time to resolution',
    description:
      'Of the work items resolved in each period, per priority: how many, and the mean and 90th percentile ' +
      'of the hours from creation to resolution.',
    fn: 'report_time_to_resolution',
    takesLimit: false,
    columns: [
      ...periodColumns,
      { key: 'priority', sql: 'priority', label: 'Priority' },
      { key: 'priorityName', sql: 'priority_name', label: 'Priority name' },
      { key: 'resolved', sql: 'resolved', label: 'Resolved' },
      { key: 'meanHours', sql: 'mean_hours', label: 'Mean (hours)' },
      { key: 'p90Hours', sql: 'p90_hours', label: '90th percentile (hours)' },
    ],
  },
  {
    name: 'sla-compliance',
    title: 'SLA compliance',
    description:
      'Incidents whose resolution target was met or breached, dated by the breach or else the resolution, ' +
      'and the share met (percent; empty when there is none).',
    fn: 'report_sla_compliance',
    takesLimit: false,
    columns: [
      ...periodColumns,
      { key: 'met', sql: 'met', label: 'Met' },
      { key: 'breached', sql: 'breached', label: 'Breached' },
      { key: 'compliancePercent', sql: 'compliance_percent', label: 'Compliance (%)' },
    ],
  },
  {
    name: 'top-configuration-items',
    title: 'Most affected configuration items',
    description:
      'Per period, the configuration items with the most work items newly related to them, highest first ' +
      '(the first `limit`, default 10).',
    fn: 'report_top_configuration_items',
    takesLimit: true,
    columns: [
      ...periodColumns,
      { key: 'rank', sql: 'rank', label: 'Rank' },
      { key: 'configItemId', sql: 'config_item_id::double precision', label: 'Configuration item id' },
      { key: 'configItem', sql: 'config_item', label: 'Configuration item' },
      { key: 'configItemClass', sql: 'config_item_class', label: 'Class' },
      { key: 'workItems', sql: 'work_items', label: 'Work items' },
    ],
  },
];

export const reportNamed = (name: string): ReportDefinition | undefined =>
  REPORTS.find((r) => r.name === name);
