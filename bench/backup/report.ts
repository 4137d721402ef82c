/** The Markdown report of bench/backup/run.ts (bench/results/backup-<size>-<date>.md). */
import { median } from './measure.js';

export interface Sizes {
  workItems: number;
  history: number;
  configItems: number;
  /** pg_table_size of every table (heap, TOAST, maps; no indexes). */
  tableBytes: number;
  indexBytes: number;
  databaseBytes: number;
}

export interface Row {
  label: string;
  seconds: number[];
  /** CPU seconds (user + system) of the client process, per run. */
  cpuSeconds: number[];
  /** Runs that started while other processes kept the machine busy. */
  contended: number;
  peakRss: number;
  outputBytes?: number;
  dataBytes: number;
  versus?: { label: string; seconds: number };
}

export interface ReportInput {
  sizeLabel: string;
  date: Date;
  runs: number;
  machine: string;
  software: string;
  server: { sizes: Sizes; rows: Row[]; copyBytes: number; fillSeconds: number };
  embedded?: { sizes: Sizes; rows: Row[]; fillSeconds: number };
  benchSeconds: number;
  profiled: boolean;
}

const MB = (bytes: number) => `${(bytes / 1e6).toLocaleString('en-US', { maximumFractionDigits: 0 })} MB`;
const n = (v: number) => v.toLocaleString('en-US');
const s2 = (v: number) => v.toFixed(2);

/** A Markdown table with padded columns, as Biome's formatter writes it (bench/results is checked). */
function markdownTable(header: string[], align: Array<'l' | 'r'>, body: string[][]): string[] {
  const widths = header.map((h, c) => Math.max(3, h.length, ...body.map((r) => (r[c] ?? '').length)));
  const pad = (cell: string, c: number) =>
    align[c] === 'r' ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!);
  const line = (cells: string[]) => `| ${cells.map(pad).join(' | ')} |`;
  const rule = widths.map((w, c) => (align[c] === 'r' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w)));
  return [line(header), `| ${rule.join(' | ')} |`, ...body.map(line)];
}

function table(rows: Row[], reference?: Row): string[] {
  const body: string[][] = [];
  for (const r of rows) {
    const m = median(r.seconds);
    const versus = r.versus ? `**${(m / r.versus.seconds).toFixed(2)}x** of ${r.versus.label}` : '';
    let output = r.outputBytes === undefined ? '' : MB(r.outputBytes);
    if (r.outputBytes !== undefined && reference?.outputBytes && r !== reference && r.versus) {
      output += ` (${(r.outputBytes / reference.outputBytes).toFixed(2)}x dump)`;
    }
    body.push([
      r.label,
      s2(m),
      `${r.seconds.map(s2).join(' / ')}${r.contended ? ` (${r.contended} contended)` : ''}`,
      (r.dataBytes / 1e6 / m).toFixed(0),
      versus,
      output,
      MB(r.peakRss),
      Number.isNaN(median(r.cpuSeconds)) ? '' : s2(median(r.cpuSeconds)),
    ]);
  }
  return markdownTable(
    [
      'measurement',
      'median s',
      'runs (s)',
      'MB/s',
      'vs PostgreSQL tool',
      'output',
      'peak RSS',
      'client CPU s',
    ],
    ['l', 'r', 'l', 'r', 'l', 'r', 'r', 'r'],
    body,
  );
}

export function renderReport(o: ReportInput): string {
  const { sizes, rows } = o.server;
  const [backup, dump, restore, pgRestore, fromStorage] = rows as [Row, Row, Row, Row, Row | undefined];
  const ratio = (a: Row, b: Row) => median(a.seconds) / median(b.seconds);
  const backupRatio = ratio(backup, dump);
  const restoreRatio = ratio(restore, pgRestore);
  const rss = Math.max(backup.peakRss, restore.peakRss);
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
  const lines = [
    `# Backup benchmark: ${o.sizeLabel} work items (${o.date.toISOString().slice(0, 10)})`,
    '',
    `- Machine: ${o.machine}.`,
    `- Software: ${o.software}.`,
    `- Data on the PostgreSQL server: ${n(sizes.workItems)} work items, ${n(sizes.history)} history rows, ${n(sizes.configItems)} configuration items; **${MB(sizes.tableBytes)} table data** (pg_table_size: heap and TOAST), ${MB(sizes.indexBytes)} indexes, ${MB(sizes.databaseBytes)} pg_database_size; ${MB(o.server.copyBytes)} of COPY text. Filled in ${o.server.fillSeconds.toFixed(0)} s.`,
    `- Median of ${o.runs} run${o.runs > 1 ? 's' : ''}, each a fresh process on a warm page cache; restores go into a freshly created empty database, dropped after. MB/s is table data per second of the median. Peak RSS is the highest over the runs, and client CPU the median user + system time, of the client process (smgr's node process, or pg_dump / pg_restore; PostgreSQL's own backends are not counted). Before each run the bench waits (up to 1 min) for the machine to be quiet; a run that started with other processes using more than 15% of the cores is counted as contended.`,
    ...(o.profiled ? ['- **Run with --cpu-prof: the smgr times include the profiler overhead.**'] : []),
    '',
    '## PostgreSQL server',
    '',
    ...table(rows, dump),
    '',
    `## Targets (issue 4; they apply to the 1M set${o.sizeLabel === '1m' ? '' : `, this is ${o.sizeLabel}`})`,
    '',
    ...markdownTable(
      ['target', 'reached', ''],
      ['l', 'r', 'l'],
      [
        ['backup wall time <= 0.35x pg_dump -Fc', `${backupRatio.toFixed(2)}x`, verdict(backupRatio <= 0.35)],
        [
          'restore wall time <= 1.0x pg_restore -j 2',
          `${restoreRatio.toFixed(2)}x`,
          verdict(restoreRatio <= 1.0),
        ],
        ['smgr peak RSS < 300 MB', MB(rss), verdict(rss < 300e6)],
        ...(fromStorage
          ? [
              [
                '(restore without --key-file: peak RSS)',
                MB(fromStorage.peakRss),
                verdict(Math.max(backup.peakRss, fromStorage.peakRss) < 300e6),
              ],
            ]
          : []),
      ],
    ),
  ];
  if (o.embedded) {
    const e = o.embedded.sizes;
    lines.push(
      '',
      `## Embedded engine (PGlite), ${n(e.workItems)} work items`,
      '',
      `${n(e.workItems)} work items, ${n(e.history)} history rows, ${n(e.configItems)} configuration items; ${MB(e.tableBytes)} table data, ${MB(e.databaseBytes)} database; filled through PGlite in ${o.embedded.fillSeconds.toFixed(0)} s.`,
      '',
      ...table(o.embedded.rows),
    );
  }
  lines.push('', `The whole benchmark took ${(o.benchSeconds / 60).toFixed(1)} min.`, '');
  return lines.join('\n');
}
