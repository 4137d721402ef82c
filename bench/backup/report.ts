/** The Markdown report of bench/backup/run.ts (bench/results/backup-<size>-<date>.md). */
import { median } from './measure.js';

export interface Sizes {
  workItems: number;
  history: number;
  configItems: number;
  audit: number;
  runAs: number;
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
  /** The data shape: service-desk or wide (bench/backup/synthetic*.ts). */
  shape: string;
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
export function markdownTable(header: string[], align: Array<'l' | 'r'>, rows: string[][]): string[] {
  // A `|` inside a cell (the floor's `pg_dump | zstd`) would split it: escape it as Markdown does.
  const body = rows.map((r) => r.map((cell) => cell.replaceAll('|', '\\|')));
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

const dataOf = (z: Sizes) =>
  `${n(z.workItems)} work items, ${n(z.history)} history rows, ${n(z.configItems)} configuration items, ${n(z.audit)} audit rows, ${n(z.runAs)} Run As accounts (sealed)`;

export function renderReport(o: ReportInput): string {
  const { sizes, rows } = o.server;
  const [backup, dump, floor, restore, pgRestore, fromStorage, oneJob] = rows as [
    Row,
    Row,
    Row,
    Row,
    Row,
    Row | undefined,
    Row | undefined,
  ];
  const ratio = (a: Row, b: Row) => median(a.seconds) / median(b.seconds);
  const cpu = (r: Row) => median(r.cpuSeconds);
  const backupRatio = ratio(backup, dump);
  const floorRatio = ratio(backup, floor);
  const restoreRatio = ratio(restore, pgRestore);
  const cpuRatio = cpu(restore) / cpu(pgRestore);
  const gb = o.server.copyBytes / 1e9;
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
  const lines = [
    `# Backup benchmark: ${o.sizeLabel} (${o.shape} shape, ${o.date.toISOString().slice(0, 10)})`,
    '',
    `- Machine: ${o.machine}.`,
    `- Software: ${o.software}.`,
    `- Data on the PostgreSQL server (${o.shape}): ${dataOf(sizes)}; **${MB(sizes.tableBytes)} table data** (pg_table_size: heap and TOAST), ${MB(sizes.indexBytes)} indexes, ${MB(sizes.databaseBytes)} pg_database_size; ${MB(o.server.copyBytes)} of COPY text. Filled in ${o.server.fillSeconds.toFixed(0)} s.`,
    `- Median of ${o.runs} run${o.runs > 1 ? 's' : ''}, interleaved (each smgr run followed by the PostgreSQL tools it is compared with), each a fresh process on a warm page cache; restores go into a freshly created empty database, dropped after. MB/s is table data per second of the median. Peak RSS is the highest over the runs, and client CPU the median user + system time, of the client process (smgr's node process, or pg_dump / pg_restore, or pg_dump and zstd for the floor; PostgreSQL's own backends are not counted). Before each run the bench waits (up to 1 min) for the machine to be quiet; a run that started with other processes using more than 15% of the cores is counted as contended.`,
    ...(o.profiled ? ['- **Run with --cpu-prof: the smgr times include the profiler overhead.**'] : []),
    '',
    '## PostgreSQL server',
    '',
    ...table(rows, dump),
    '',
    `Client CPU per GB of COPY text: backup ${(cpu(backup) / gb).toFixed(1)} s/GB, restore ${(cpu(restore) / gb).toFixed(1)} s/GB (pg_restore -j 2: ${(cpu(pgRestore) / gb).toFixed(1)} s/GB).`,
    '',
    `## Targets (issues 4 and 15; they apply to the 1M sets${o.sizeLabel.startsWith('1m') ? '' : `, this is ${o.sizeLabel}`})`,
    '',
    ...markdownTable(
      ['target', 'reached', ''],
      ['l', 'r', 'l'],
      [
        [
          'backup wall time <= 1.3x pg_dump -Fc -Z0 | zstd -1',
          `${floorRatio.toFixed(2)}x`,
          verdict(floorRatio <= 1.3),
        ],
        ['(backup wall time vs pg_dump -Fc)', `${backupRatio.toFixed(2)}x`, ''],
        [
          'restore wall time <= 1.0x pg_restore -j 2',
          `${restoreRatio.toFixed(2)}x`,
          verdict(restoreRatio <= 1.0),
        ],
        ["restore client CPU <= 2x pg_restore -j 2's", `${cpuRatio.toFixed(2)}x`, verdict(cpuRatio <= 2)],
        ['backup peak RSS', MB(backup.peakRss), ''],
        [
          'restore peak RSS with --key-file (scrypt of the key backup file: 256 MiB)',
          MB(restore.peakRss),
          '',
        ],
        ...(fromStorage
          ? [['restore peak RSS, identity from secure storage', MB(fromStorage.peakRss), '']]
          : []),
        ...(oneJob
          ? [['(restore --jobs 1 vs pg_restore -j 2)', `${ratio(oneJob, pgRestore).toFixed(2)}x`, '']]
          : []),
      ],
    ),
  ];
  if (o.embedded) {
    const e = o.embedded.sizes;
    const [, withKeyFile, tiny, fromStorage] = o.embedded.rows;
    // The target leaves scrypt's 256 MiB (--key-file) aside: the restores that read secure storage.
    const targetRss = Math.max(...[tiny, fromStorage].filter((r) => r !== undefined).map((r) => r.peakRss));
    lines.push(
      '',
      `## Embedded engine (PGlite), ${n(e.workItems)} work items`,
      '',
      `${dataOf(e)}; ${MB(e.tableBytes)} table data, ${MB(e.databaseBytes)} database; filled through PGlite in ${o.embedded.fillSeconds.toFixed(0)} s. The tiny archive is the group right after setup (a few dozen rows).`,
      '',
      ...table(o.embedded.rows),
      ...(tiny
        ? [
            '',
            `Embedded restore into a new pglite: directory under 600 MB peak RSS (identity from secure storage): ${MB(targetRss)}, ${verdict(targetRss < 600e6)}${withKeyFile ? `; with --key-file (scrypt's 256 MiB first): ${MB(withKeyFile.peakRss)}` : ''}.`,
          ]
        : []),
    );
  }
  lines.push('', `The whole benchmark took ${(o.benchSeconds / 60).toFixed(1)} min.`, '');
  return lines.join('\n');
}
