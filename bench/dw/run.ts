/**
 * `npm run bench:dw -- [--size 20k] [--batch 2000] [--extract-batch 5000] [--rate 200] [--lag-seconds 30]
 *                      [--interval 1] [--no-lag] [--keep] [--cpu-prof DIR]`
 *
 * The data warehouse's initial load and end-to-end lag (issue 11 item 7).
 * Not a test. On the local PostgreSQL server (SMGR_BENCH_POSTGRES_URL,
 * default postgres://postgres@127.0.0.1:5432/postgres), with the built CLI:
 *
 * 1. `smgr setup management-server` on a new database, filled with SQL
 *    (fill.ts: --size work items, four changes and three history rows
 *    each, their SLA outcome written as the SLA workflow writes it), then
 *    `smgr serve`, checking that its SLA workflow has nothing left to
 *    write (sla-settled.ts);
 * 2. the FLOOR (floor.ts): the feed's rows moved by COPY … TO STDOUT | COPY
 *    … FROM STDIN into a scratch staging database on the same server;
 * 3. `smgr setup data-warehouse` on three new databases, `smgr dw register`,
 *    `smgr dw run mpsync`, then the measured initial load: `smgr dw run
 *    extract` (the management server's real HTTP change feed), `transform`,
 *    `load`, each its own process (wall time, peak RSS, CPU): rows per
 *    second and the ratio to the floor, measured in the same run; then the
 *    same initial load as one `smgr dw run all` (Extract and Transform
 *    overlapped, then Load) on the DW's ETL tables emptied (empty-etl.ts);
 *    then the WRITTEN FLOOR (written-floor.ts): every row the DW then
 *    holds, COPYed into scratch databases of the same schema;
 * 4. the lag (lag.ts): the DW served (`smgr serve`, chain on, extract every
 *    --interval s) while --rate API writes per second go to the management
 *    server for --lag-seconds; p50 and p99 of the time until each write is
 *    in the data mart, and the DW server's peak RSS.
 *
 * Writes bench/results/dw-<size>-<date>.md (-2, -3… beside an earlier run's) and prints it. Everything it
 * creates (databases, homes) is removed at the end unless --keep.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { withDatabaseName } from '../../src/db/database-url.js';
import { type MigrationSet, migrate } from '../../src/db/migrate.js';
import { dwDataMartMigrations } from '../../src/db/migrations/dw-datamart.js';
import { dwRepositoryMigrations } from '../../src/db/migrations/dw-repository.js';
import { dwStagingAndConfigMigrations } from '../../src/db/migrations/dw-staging-and-config.js';
import { openDatabase } from '../../src/db/open-database.js';
import { type CliEnv, runCli, type ServeHandle, startServe } from '../../test/support/cli.js';
import { passwordFile, registerDw, setDwSettings, setupDwArgs, signIn } from '../../test/support/dw.js';
import { resultsFile } from '../results-file.js';
import { measureCli, vmHwm } from './cli-process.js';
import { emptyEtl } from './empty-etl.js';
import { fillServiceManager } from './fill.js';
import { copyFloor } from './floor.js';
import { measureLag } from './lag.js';
import { dwReport, type StepRow } from './report.js';
import { slaSettled } from './sla-settled.js';
import { writtenFloor } from './written-floor.js';

const HELP = `npm run bench:dw -- [options]

The data warehouse's initial load (extract over HTTP, transform, load) against a COPY floor, and the
end-to-end lag under sustained API writes. Needs a build (npm run build) and a local PostgreSQL server.

  --size N            work items (7 changes each): 20000, 20k, 1m (default 20k)
  --batch N           transform and load batch (jobs.batchSize, 1-5000; default 2000, the jobs' default)
  --extract-batch N   changes per feed page (extract.batchSize, 1-5000; default 5000)
  --rate N            API writes per second during the lag measure (default 200)
  --lag-seconds N     how long the writes go on (default 30)
  --interval S        the DW's extract interval during the lag measure (default 1)
  --no-lag            initial load only
  --keep              keep the databases and homes
  --cpu-prof DIR      CPU profiles (node --cpu-prof) of the extract, transform and load processes
  --out DIR           where the report goes (default bench/results)
  --help              this text

SMGR_BENCH_POSTGRES_URL: the server (default postgres://postgres@127.0.0.1:5432/postgres).`;

const { values: flags } = parseArgs({
  options: {
    size: { type: 'string', default: '20k' },
    batch: { type: 'string', default: '2000' },
    'extract-batch': { type: 'string', default: '5000' },
    rate: { type: 'string', default: '200' },
    'lag-seconds': { type: 'string', default: '30' },
    interval: { type: 'string', default: '1' },
    'no-lag': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    out: { type: 'string', default: 'bench/results' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log(HELP);
  process.exit(0);
}

function parseSize(text: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)([km]?)$/i.exec(text.trim());
  const v = m ? Number(m[1]) * ({ k: 1e3, m: 1e6 }[m[2]!.toLowerCase()] ?? 1) : Number.NaN;
  if (!Number.isSafeInteger(v) || v < 1)
    throw new Error(`--size: a number of work items (20000, 20k, 1m), got ${text}`);
  return v;
}
function parseCount(name: string, text: string, max: number): number {
  const v = Number(text);
  if (!(v > 0 && v <= max)) throw new Error(`--${name}: a number from 1 to ${max}, got ${text}`);
  return v;
}
const size = parseSize(flags.size);
const sizeLabel = size % 1e6 === 0 ? `${size / 1e6}m` : size % 1e3 === 0 ? `${size / 1e3}k` : String(size);
const batch = parseCount('batch', flags.batch, 5000);
const extractBatch = parseCount('extract-batch', flags['extract-batch'], 5000);
const rate = parseCount('rate', flags.rate, 10_000);
const lagSeconds = parseCount('lag-seconds', flags['lag-seconds'], 3600);
const interval = parseCount('interval', flags.interval, 3600);

const ADMIN_URL = process.env.SMGR_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SM_PASSWORD = 'bench-sm-admin-pass';
const log = (m: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);
const load1 = () => os.loadavg()[0]!;

async function admin<T extends pg.QueryResultRow>(sql: string): Promise<pg.QueryResult<T>> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    return await c.query<T>(sql);
  } finally {
    await c.end();
  }
}

async function cli(env: CliEnv, args: string[]): Promise<void> {
  const r = await runCli(args, env);
  if (r.code !== 0) throw new Error(`smgr ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
}

async function main(): Promise<void> {
  const benchStarted = performance.now();
  const loadAtStart = os.loadavg();
  const tag = `smgr_bench_dw_${Date.now().toString(36)}`;
  const names = [
    'sm',
    'staging',
    'repository',
    'datamart',
    'floor',
    'w_staging',
    'w_repository',
    'w_datamart',
  ].map((x) => `${tag}_${x}`);
  const [smUrl, stagingUrl, repositoryUrl, datamartUrl, floorUrl] = names.map((x) =>
    withDatabaseName(ADMIN_URL, x),
  );
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'smgr-bench-dw-'));
  const smEnv: CliEnv = { home: path.join(root, 'sm-home'), computerName: 'bench-ms' };
  const dwEnv: CliEnv = { home: path.join(root, 'dw-home'), computerName: 'bench-dw' };
  const pw = passwordFile(root, SM_PASSWORD);
  let smServer: ServeHandle | undefined;
  let dwServer: ServeHandle | undefined;
  try {
    for (const x of names) await admin(`CREATE DATABASE ${x}`);
    log(`setting up the management server; filling ${size} work items`);
    await cli(smEnv, [
      'setup',
      'management-server',
      '--new-database',
      '--management-group',
      'Bench SM',
      '--database',
      smUrl!,
      '--admin-user',
      'admin',
      '--admin-password-file',
      pw,
    ]);
    const sm = await openDatabase(smUrl!);
    const fillStarted = performance.now();
    const changes = await fillServiceManager(sm, size).finally(() => sm.close());
    const fillSeconds = (performance.now() - fillStarted) / 1000;
    log(`${changes} changes in the feed (fill ${fillSeconds.toFixed(1)} s); the COPY floor`);
    const [smDb, floorDb] = [await openDatabase(smUrl!), await openDatabase(floorUrl!)];
    let floor: { rows: number; seconds: number; load: number };
    try {
      await migrate(floorDb, dwStagingAndConfigMigrations);
      const t0 = performance.now();
      const rows = await copyFloor(smDb, floorDb);
      floor = { rows, seconds: (performance.now() - t0) / 1000, load: load1() };
    } finally {
      await smDb.close();
      await floorDb.close();
    }
    await admin(`DROP DATABASE ${names[4]} WITH (FORCE)`);
    log(`floor: ${floor.rows} rows in ${floor.seconds.toFixed(2)} s; serving the management server`);
    smServer = await startServe(smEnv);
    const settled = await slaSettled(smUrl!);
    log(`the SLA workflow's targets for resolved incidents written (${settled.toFixed(1)} s)`);
    await cli(
      dwEnv,
      setupDwArgs(
        'Bench DW',
        { staging: stagingUrl, repository: repositoryUrl, datamart: datamartUrl },
        passwordFile(root, 'bench-dw-admin-pass'),
      ),
    );
    setDwSettings(dwEnv.home, {
      extract: { intervalSeconds: 3600, batchSize: extractBatch },
      jobs: { batchSize: batch },
    });
    await registerDw(dwEnv, smServer.baseUrl, pw);
    await measureCli(dwEnv, ['dw', 'run', 'mpsync']);
    const steps: StepRow[] = [];
    for (const [job, label] of [
      ['extract', 'extract (HTTP feed → staging)'],
      ['transform', 'transform (staging → DWRepository)'],
      ['load', 'load (DWRepository → DWDataMart)'],
    ] as const) {
      log(`dw run ${job}`);
      const prof = flags['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(flags['cpu-prof'])] : [];
      let run = await measureCli(dwEnv, ['dw', 'run', job], prof);
      let rows = job === 'extract' ? run.result.rows : run.result.runs[0].rows;
      // The feed holds back changes while an older transaction of the cluster runs (other work on a
      // shared server): extract again until every change is staged, counting every run's time.
      for (let again = 0; job === 'extract' && rows < changes && again < 50; again++) {
        const more = await measureCli(dwEnv, ['dw', 'run', job], prof);
        rows += more.result.rows;
        run = {
          ...more,
          seconds: run.seconds + more.seconds,
          cpuSeconds: run.cpuSeconds + more.cpuSeconds,
          peakRss: Math.max(run.peakRss, more.peakRss),
        };
      }
      steps.push({ label, rows, run, load: load1() });
      log(`  ${rows} rows in ${run.seconds.toFixed(2)} s, peak RSS ${(run.peakRss / 1e6).toFixed(0)} MB`);
    }
    // The same initial load as one command: `dw run all` (Extract and Transform overlapped, then Load)
    // on the DW's ETL tables emptied.
    await emptyEtl(stagingUrl!, repositoryUrl!, datamartUrl!);
    log('dw run all (the ETL tables emptied)');
    const prof = flags['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(flags['cpu-prof'])] : [];
    const allRun = await measureCli(dwEnv, ['dw', 'run', 'all'], prof);
    const extracted = allRun.result.runs.find((x: { job: string }) => x.job === 'extract').rows;
    const all: StepRow = {
      label: '`dw run all`: mpsync, extract ‖ transform, load, maintenance',
      rows: changes,
      run: allRun,
      load: load1(),
    };
    log(
      `  ${extracted} changes in ${allRun.seconds.toFixed(2)} s, peak RSS ${(allRun.peakRss / 1e6).toFixed(0)} MB`,
    );
    log('the written floor: every row the DW now holds, COPYed into scratch databases of the same schema');
    const written = await writtenFloor(
      [
        [stagingUrl, dwStagingAndConfigMigrations],
        [repositoryUrl, dwRepositoryMigrations],
        [datamartUrl, dwDataMartMigrations],
      ].map(([source, migrations], i) => ({
        source: source as string,
        scratch: withDatabaseName(ADMIN_URL, names[5 + i]!),
        migrations: migrations as MigrationSet,
      })),
    );
    for (const x of names.slice(5)) await admin(`DROP DATABASE ${x} WITH (FORCE)`);
    log(`  ${written.rows} rows in ${written.seconds.toFixed(2)} s`);
    let lag: Parameters<typeof dwReport>[0]['lag'];
    if (!flags['no-lag']) {
      setDwSettings(dwEnv.home, {
        extract: { intervalSeconds: interval, batchSize: extractBatch },
        jobs: { batchSize: batch },
      });
      dwServer = await startServe(dwEnv);
      const pid = dwServer.child.pid;
      let servePeakRss = 0;
      const rss = setInterval(() => (servePeakRss = Math.max(servePeakRss, vmHwm(pid))), 200);
      const token = await signIn(smServer.baseUrl, SM_PASSWORD);
      const mart = await openDatabase(datamartUrl!);
      log(`lag: ${rate} writes/s for ${lagSeconds} s`);
      try {
        const l = await measureLag(smServer.baseUrl, token, mart, rate, lagSeconds);
        servePeakRss = Math.max(servePeakRss, vmHwm(pid));
        lag = { ...l, seconds: lagSeconds, intervalSeconds: interval, servePeakRss, load: load1() };
      } finally {
        clearInterval(rss);
        await mart.close();
      }
    }
    const version = await admin<{ v: string }>("SELECT current_setting('server_version') AS v");
    const date = new Date();
    const report = dwReport({
      size,
      sizeLabel,
      date,
      changes,
      fillSeconds,
      floor,
      steps,
      all,
      written: { ...written, load: load1() },
      batch: { extract: extractBatch, jobs: batch },
      lag,
      machine: `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM`,
      software: `Node ${process.version}, PostgreSQL ${version.rows[0]!.v}`,
      loadAtStart,
      benchSeconds: (performance.now() - benchStarted) / 1000,
    });
    const file = resultsFile(flags.out, `dw-${sizeLabel}-${date.toISOString().slice(0, 10)}`);
    fs.writeFileSync(file, report);
    console.log(report);
    log(`written to ${file}`);
  } finally {
    await dwServer?.stop();
    await smServer?.stop();
    if (!flags.keep) {
      for (const x of names) await admin(`DROP DATABASE IF EXISTS ${x} WITH (FORCE)`).catch(() => {});
      fs.rmSync(root, { recursive: true, force: true });
    } else log(`kept: databases ${tag}_*, homes in ${root}`);
  }
}

await main();
