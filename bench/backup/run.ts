/**
 * `npm run bench:backup -- [--size 100k|1m] [--shape service-desk|wide] [--runs 3] [--keep]
 *   [--embedded 100k|off] [--cpu-prof DIR] [--results DIR]`
 *
 * The backup benchmark of issues 4 and 15 (ARCHITECTURE §4, docs/FORMAT.md §2).
 * Not a test. On the local PostgreSQL server (SMGR_BENCH_POSTGRES_URL,
 * default postgres://postgres@127.0.0.1:5432/postgres) it:
 *
 * 1. creates a ServiceManager database with the real CLI (`smgr setup
 *    management-server --new-database`: real keys, backup recipient and
 *    schema), makes a key backup file (`smgr key backup`), fills it over two
 *    connections with valid domain data of one of two shapes — service-desk
 *    (synthetic.ts: N work items, ~3 history rows each, N/10 configuration
 *    items) or wide (synthetic-wide.ts: N/2 larger work items, 5 history
 *    rows each, 2 small configuration items, audit rows and sealed Run As
 *    accounts) — then VACUUM ANALYZE and CHECKPOINT;
 * 2. measures, each run a fresh process on a warm cache, median of --runs,
 *    interleaved (each run of smgr is followed by the PostgreSQL tools it is
 *    compared with): `smgr backup create` vs `pg_dump -Fc` and the floor
 *    `pg_dump -Fc -Z0 | zstd -1`, then `smgr restore database` (over as
 *    many connections as cores) vs `pg_restore -j 2`, each restore into a
 *    freshly created empty database that is dropped after (smgr restore
 *    with --key-file, as after a loss; once more with the identity from
 *    secure storage; once with --jobs 1); wall time, peak RSS and CPU time
 *    through GNU time (else VmHWM polled from /proc);
 * 3. the same for the embedded engine (PGlite) at --embedded work items
 *    (default 100k): backup, restore into a new pglite: directory, and the
 *    restore of a group just set up (issue 16: a tiny archive);
 * 4. writes bench/results/backup-<size>[-wide]-<date>.md (or into --results DIR: CI writes outside the
 *    checkout) and prints it.
 *
 * MB/s is table data (pg_table_size of every table: heap and TOAST, no
 * indexes) per second, the same denominator for every row. The CLI is run
 * from a copy of dist/src made at the start (SMGR_BENCH_CLI names another
 * main.js, to compare a change). Before each run it waits up to
 * SMGR_BENCH_QUIET_WAIT_S (default 60) for other processes to leave the
 * cores idle, and marks runs that started contended. Everything it
 * creates (databases, temporary homes, archives, dumps) is removed at the
 * end unless --keep. It reports the targets; it does not fail on them.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import pg from 'pg';
import { homePaths } from '../../src/computer/home.js';
import { openDatabase } from '../../src/db/open-database.js';
import { unlockKey } from '../../src/keys/unlock-key.js';
import { SecureStorage } from '../../src/secure-storage/secure-storage.js';
import { resultsFile } from '../results-file.js';
import { contended, hasGnuTime, type Measured, measure, median } from './measure.js';
import { type Row, renderReport, type Sizes } from './report.js';
import { fillRange, finishFill, type Run, ranges } from './synthetic.js';
import { fillWideRange, finishWideFill } from './synthetic-wide.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, '../../..');
const ADMIN_URL = process.env.SMGR_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const admin = new URL(ADMIN_URL);
const PG_ARGS = ['-h', admin.hostname, '-p', admin.port || '5432', '-U', decodeURIComponent(admin.username)];
const FILL_CHUNK = 25_000;
const FILL_CONNECTIONS = 2;

const { values: flags } = parseArgs({
  options: {
    size: { type: 'string', default: '100k' },
    runs: { type: 'string', default: '3' },
    keep: { type: 'boolean', default: false },
    embedded: { type: 'string', default: '100k' },
    'cpu-prof': { type: 'string' },
    shape: { type: 'string', default: 'service-desk' },
    results: { type: 'string', default: path.join(REPO, 'bench', 'results') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (flags.help) {
  process.stdout.write(`Usage: npm run bench:backup -- [options]

Times smgr backup create and restore database against pg_dump -Fc, the pg_dump -Fc -Z0 | zstd -1
floor and pg_restore -j 2 on the local PostgreSQL server (SMGR_BENCH_POSTGRES_URL), then the embedded
engine, and writes bench/results/backup-<size>[-wide]-<date>.md.

  --size 100k|1m|N          work items (default 100k)
  --shape service-desk|wide the data shape (default service-desk)
  --runs N                  runs per measurement, median reported (default 3)
  --embedded 100k|N|off     embedded (PGlite) measurements at this size (default 100k)
  --cpu-prof DIR            write CPU profiles of the smgr processes to DIR
  --results DIR             where the report goes (default bench/results)
  --keep                    keep the databases and the temporary directory
  -h, --help                this help
`);
  process.exit(0);
}

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.trim());
  if (!m) throw new Error(`--size: expected 100k, 1m or a number, got ${text}`);
  const n = Number(m[1]) * ({ k: 1e3, m: 1e6 }[m[2]!.toLowerCase()] ?? 1);
  if (!Number.isInteger(n) || n < 10) throw new Error(`--size: ${text} is not a whole number of items >= 10`);
  return n;
}

const sizeLabel = flags.size!.toLowerCase();
const workItems = parseSize(sizeLabel);
const runs = Number(flags.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs: expected a positive integer');
const embeddedItems = flags.embedded === 'off' ? 0 : parseSize(flags.embedded!);
const cpuProf = flags['cpu-prof'] ? path.resolve(flags['cpu-prof']) : undefined;
const nodeFlags = cpuProf ? ['--cpu-prof', '--cpu-prof-dir', cpuProf] : [];
if (flags.shape !== 'service-desk' && flags.shape !== 'wide') {
  throw new Error('--shape: expected service-desk or wide');
}
const wide = flags.shape === 'wide';
/** The label of the result file: the size, and the shape when it is not the default. */
const runLabel = wide ? `${sizeLabel}-wide` : sizeLabel;

/** The sealer of the group's real DEK, for data that holds sealed values (the wide shape's Run As accounts). */
async function sealingOf(url: string, home: string) {
  const db = await openDatabase(url);
  try {
    const r = await db.query<{ key_id: string; name: string }>(
      `SELECT k.key_id, g.name FROM key_records k, management_group g WHERE k.part = 'management-group'`,
    );
    const { key_id: keyId, name } = r.rows[0]!;
    const storage = SecureStorage.open(homePaths(home).secureStorage);
    return { keyId, sealer: await unlockKey(db, storage, keyId, name) };
  } finally {
    await db.close();
  }
}

/** How the chosen shape fills work items lo..hi (and what comes with them), and finishes. */
type Sealing = Awaited<ReturnType<typeof sealingOf>>;
const fillItems = (q: Run, lo: number, hi: number, sealing: Sealing) =>
  wide ? fillWideRange(q, lo, hi, seedOf(lo), sealing) : fillRange(q, lo, hi, seedOf(lo));
const finishItems = (q: Run, n: number) => (wide ? finishWideFill(q, n) : finishFill(q, n));
/** Work items of the shape at --size N: N (service-desk) or N/2 larger ones (wide). */
const itemsAt = (n: number) => (wide ? Math.max(10, Math.floor(n / 2)) : n);

const benchStarted = Date.now();
const commitAtStart = gitCommit();
const log = (text: string) =>
  process.stderr.write(`[${((Date.now() - benchStarted) / 1000).toFixed(1).padStart(7)} s] ${text}\n`);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'smgr-bench-'));
/**
 * The CLI under test, frozen at the start: a copy of dist/src and packs/ (with the
 * repository's package.json and node_modules linked), so that a rebuild of
 * dist/ meanwhile (other work in the same checkout) cannot change the code
 * being measured halfway. SMGR_BENCH_CLI names another main.js instead.
 */
function freezeCli(): string {
  if (process.env.SMGR_BENCH_CLI) return path.resolve(process.env.SMGR_BENCH_CLI);
  const app = path.join(work, 'app');
  fs.cpSync(path.join(REPO, 'dist', 'src'), path.join(app, 'dist', 'src'), { recursive: true });
  fs.copyFileSync(path.join(REPO, 'package.json'), path.join(app, 'package.json'));
  fs.cpSync(path.join(REPO, 'packs'), path.join(app, 'packs'), { recursive: true });
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(app, 'node_modules'), 'dir');
  return path.join(app, 'dist', 'src', 'cli', 'main.js');
}
const CLI = freezeCli();
const password = path.join(work, 'password');
fs.writeFileSync(password, 'bench-Passphrase-2c0res!\n', { mode: 0o600 });
const stamp = `${Date.now().toString(36)}_${process.pid}`;
const databases: string[] = [];
const dbUrl = (name: string) => {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
};

async function adminQuery(sql: string): Promise<void> {
  const c = new pg.Client(ADMIN_URL);
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
async function createDatabase(name: string): Promise<string> {
  await adminQuery(`CREATE DATABASE ${name}`);
  databases.push(name);
  return dbUrl(name);
}
async function dropDatabase(name: string): Promise<void> {
  await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  databases.splice(databases.indexOf(name), 1);
}

/** The last line of a --json output: the result (progress events come before it). */
// biome-ignore lint/suspicious/noExplicitAny: a JSON document of any shape
function lastJson(stdout: string): any {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '');
}

async function smgr(home: string, args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI, '--home', home, '--computer-name', 'bench', ...args], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}
const smgrArgs = (home: string, args: string[]) => [
  ...nodeFlags,
  CLI,
  '--home',
  home,
  '--computer-name',
  'bench',
  '--json',
  ...args,
];

/** A management group with real keys and recipient, and its key backup file. */
async function setupGroup(home: string, database: string, keyFile: string): Promise<void> {
  await smgr(home, [
    'setup',
    'management-server',
    '--new-database',
    '--management-group',
    'Bench',
    '--database',
    database,
    '--admin-user',
    'admin',
    '--admin-password-file',
    password,
  ]);
  await smgr(home, ['key', 'backup', '--file', keyFile, '--password-file', password]);
}

const SIZES_SQL = `
SELECT (SELECT count(*) FROM work_items)::bigint AS work_items,
       (SELECT count(*) FROM work_item_history)::bigint AS history,
       (SELECT count(*) FROM config_items)::bigint AS config_items,
       (SELECT count(*) FROM audit_log)::bigint AS audit,
       (SELECT count(*) FROM run_as_accounts)::bigint AS run_as,
       (SELECT sum(pg_table_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind = 'r')::bigint AS table_bytes,
       (SELECT sum(pg_indexes_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind = 'r')::bigint AS index_bytes,
       pg_database_size(current_database())::bigint AS database_bytes`;

function toSizes(r: Record<string, unknown>): Sizes {
  return {
    workItems: Number(r.work_items),
    history: Number(r.history),
    configItems: Number(r.config_items),
    audit: Number(r.audit),
    runAs: Number(r.run_as),
    tableBytes: Number(r.table_bytes),
    indexBytes: Number(r.index_bytes),
    databaseBytes: Number(r.database_bytes),
  };
}

async function fillServer(url: string, n: number, sealing: Sealing): Promise<Sizes> {
  const queue = ranges(n, wide ? FILL_CHUNK / 5 : FILL_CHUNK);
  let done = 0;
  const worker = async () => {
    const c = new pg.Client(url);
    await c.connect();
    try {
      const q: Run = (sql, params) => c.query(sql, params);
      for (let r = queue.shift(); r; r = queue.shift()) {
        await fillItems(q, r[0], r[1], sealing);
        const before = done;
        done += r[1] - r[0] + 1;
        if (Math.floor(done / 100_000) > Math.floor(before / 100_000)) {
          log(`  filled ${done.toLocaleString('en-US')} work items`);
        }
      }
    } finally {
      await c.end();
    }
  };
  await Promise.all(Array.from({ length: FILL_CONNECTIONS }, worker));
  const c = new pg.Client(url);
  await c.connect();
  try {
    await finishItems((sql, params) => c.query(sql, params), n);
    log('  VACUUM ANALYZE, CHECKPOINT');
    await c.query('VACUUM (ANALYZE)');
    await c.query('CHECKPOINT');
    return toSizes((await c.query(SIZES_SQL)).rows[0]);
  } finally {
    await c.end();
  }
}

/** PGlite runs one statement at a time: ranges one after the other, through the smgr engine. */
async function fillEmbedded(url: string, n: number, sealing: Sealing): Promise<Sizes> {
  const db = await openDatabase(url);
  try {
    const q: Run = (sql, params) => db.query(sql, params);
    for (const [lo, hi] of ranges(n, 10_000)) {
      await fillItems(q, lo, hi, sealing);
      if (hi % 50_000 === 0 || hi === n) log(`  filled ${hi.toLocaleString('en-US')} work items (PGlite)`);
    }
    await finishItems(q, n);
    await db.exec('VACUUM (ANALYZE)');
    return toSizes((await db.query(SIZES_SQL)).rows[0]!);
  } finally {
    await db.close();
  }
}

const seedOf = (lo: number) => (lo % 999_983) / 999_983;

interface Runs {
  label: string;
  measured: Measured[];
  outputBytes?: number;
}

const logRun = (what: string, i: number, m: Measured, of = runs) =>
  log(
    `  ${what} run ${i + 1}/${of}: ${m.seconds.toFixed(2)} s, peak RSS ${(m.peakRss / 1e6).toFixed(0)} MB, CPU ${m.cpuSeconds.toFixed(2)} s; machine ${(m.busyBefore * 100).toFixed(0)}% busy before`,
  );

const rowOf = (r: Runs, dataBytes: number, vs?: Runs): Row => ({
  label: r.label,
  seconds: r.measured.map((m) => m.seconds),
  cpuSeconds: r.measured.map((m) => m.cpuSeconds),
  contended: r.measured.filter(contended).length,
  peakRss: Math.max(...r.measured.map((m) => m.peakRss)),
  outputBytes: r.outputBytes,
  dataBytes,
  versus: vs ? { label: vs.label, seconds: median(vs.measured.map((m) => m.seconds)) } : undefined,
});

async function benchServer(): Promise<{ sizes: Sizes; rows: Row[]; copyBytes: number; fillSeconds: number }> {
  const name = `smgr_bench_${sizeLabel.replace(/\W/g, '')}_${stamp}`;
  const url = await createDatabase(name);
  const home = path.join(work, 'home-server');
  const keyFile = path.join(work, 'server.smkey');
  log(`setup: database ${name}, home ${home}`);
  await setupGroup(home, url, keyFile);
  const fillStarted = Date.now();
  const items = itemsAt(workItems);
  log(
    `fill (${flags.shape}): ${items.toLocaleString('en-US')} work items over ${FILL_CONNECTIONS} connections`,
  );
  const sizes = await fillServer(url, items, await sealingOf(url, home));
  const fillSeconds = (Date.now() - fillStarted) / 1000;
  log(
    `  ${(sizes.tableBytes / 1e6).toFixed(0)} MB table data, ${(sizes.databaseBytes / 1e6).toFixed(0)} MB database, in ${fillSeconds.toFixed(0)} s`,
  );

  const backup: Runs = { label: 'smgr backup create', measured: [] };
  const dump: Runs = { label: 'pg_dump -Fc', measured: [] };
  const floor: Runs = { label: 'pg_dump -Fc -Z0 | zstd -1 (floor)', measured: [] };
  let archive = '';
  let copyBytes = 0;
  const dumpFile = path.join(work, 'bench.pgdump');
  const floorFile = path.join(work, 'bench.pgdump.zst');
  for (let i = 0; i < runs; i++) {
    const dir = path.join(work, `backups-${i}`);
    const m = await measure(
      process.execPath,
      smgrArgs(home, ['backup', 'create', '--to', dir]),
      'smgr backup create',
    );
    logRun('smgr backup create', i, m);
    backup.measured.push(m);
    const result = lastJson(m.stdout).archives[0] as {
      file: string;
      size: number;
      databases: Array<{ tables: Array<{ bytes: number }> }>;
    };
    backup.outputBytes = result.size;
    copyBytes = result.databases.reduce((s, d) => s + d.tables.reduce((t, x) => t + x.bytes, 0), 0);
    if (i === 0) archive = result.file;
    else fs.rmSync(dir, { recursive: true, force: true });

    fs.rmSync(dumpFile, { force: true });
    const d = await measure('pg_dump', ['-Fc', ...PG_ARGS, '-f', dumpFile, name], 'pg_dump');
    logRun('pg_dump -Fc', i, d);
    dump.measured.push(d);
    dump.outputBytes = fs.statSync(dumpFile).size;

    // The floor of issue 15: PostgreSQL's own dump, uncompressed, through the fastest zstd.
    fs.rmSync(floorFile, { force: true });
    const f = await measure(
      'bash',
      ['-o', 'pipefail', '-c', `pg_dump -Fc -Z0 ${PG_ARGS.join(' ')} ${name} | zstd -1 -q -o ${floorFile}`],
      'pg_dump | zstd',
    );
    logRun('pg_dump -Fc -Z0 | zstd -1', i, f);
    floor.measured.push(f);
    floor.outputBytes = fs.statSync(floorFile).size;
  }
  fs.rmSync(floorFile, { force: true });

  const restore: Runs = { label: 'smgr restore database --key-file', measured: [] };
  const pgRestore: Runs = { label: 'pg_restore -j 2', measured: [] };
  for (let i = 0; i < runs; i++) {
    const target = `${name}_r${i}`;
    const targetUrl = await createDatabase(target);
    const m = await measure(
      process.execPath,
      smgrArgs(home, [
        'restore',
        'database',
        '--from',
        archive,
        '--database',
        targetUrl,
        '--key-file',
        keyFile,
        '--password-file',
        password,
      ]),
      'smgr restore database',
    );
    logRun('smgr restore database', i, m);
    restore.measured.push(m);
    if (i === 0) await checkRestored(targetUrl, sizes);
    await dropDatabase(target);

    const pgTarget = `${name}_p${i}`;
    await createDatabase(pgTarget);
    const p = await measure('pg_restore', ['-j', '2', ...PG_ARGS, '-d', pgTarget, dumpFile], 'pg_restore');
    logRun('pg_restore -j 2', i, p);
    pgRestore.measured.push(p);
    await dropDatabase(pgTarget);
  }
  // Once more without --key-file: the identity from secure storage, no scrypt of the key backup file.
  const fromStorage: Runs = {
    label: 'smgr restore database, identity from secure storage (1 run)',
    measured: [],
  };
  {
    const target = `${name}_s`;
    const targetUrl = await createDatabase(target);
    const m = await measure(
      process.execPath,
      smgrArgs(home, ['restore', 'database', '--from', archive, '--database', targetUrl]),
      'smgr restore database (secure storage)',
    );
    logRun('smgr restore database, identity from secure storage', 0, m, 1);
    fromStorage.measured.push(m);
    await dropDatabase(target);
  }
  // And once in one transaction on one connection (--jobs 1), as before parallel restore.
  const oneJob: Runs = {
    label: 'smgr restore database --jobs 1, identity from secure storage (1 run)',
    measured: [],
  };
  {
    const target = `${name}_j`;
    const targetUrl = await createDatabase(target);
    const m = await measure(
      process.execPath,
      smgrArgs(home, ['restore', 'database', '--from', archive, '--database', targetUrl, '--jobs', '1']),
      'smgr restore database --jobs 1',
    );
    logRun('smgr restore database --jobs 1', 0, m, 1);
    oneJob.measured.push(m);
    await dropDatabase(target);
  }
  if (!flags.keep) await dropDatabase(name);

  const data = sizes.tableBytes;
  return {
    sizes,
    copyBytes,
    fillSeconds,
    rows: [
      rowOf(backup, data, dump),
      rowOf(dump, data),
      rowOf(floor, data),
      rowOf(restore, data, pgRestore),
      rowOf(pgRestore, data),
      rowOf(fromStorage, data, pgRestore),
      rowOf(oneJob, data, pgRestore),
    ],
  };
}

/** The first smgr restore: same row counts as the source (the restore itself checked every hash). */
async function checkRestored(url: string, source: Sizes): Promise<void> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    const got = toSizes((await c.query(SIZES_SQL)).rows[0]);
    for (const k of ['workItems', 'history', 'configItems'] as const) {
      if (got[k] !== source[k]) throw new Error(`restored ${k}: ${got[k]}, source ${source[k]}`);
    }
  } finally {
    await c.end();
  }
}

async function benchEmbedded(): Promise<{ sizes: Sizes; rows: Row[]; fillSeconds: number }> {
  const home = path.join(work, 'home-embedded');
  const keyFile = path.join(work, 'embedded.smkey');
  const url = `pglite:${path.join(work, 'embedded', 'db')}`;
  log(`embedded: setup in ${url}`);
  await setupGroup(home, url, keyFile);
  // Issue 16: the archive of a group just set up (a few dozen rows), restored into a new pglite: directory.
  const tinyArchive = lastJson(
    await smgr(home, ['--json', 'backup', 'create', '--to', path.join(work, 'embedded-tiny')]),
  ).archives[0].file as string;
  const fillStarted = Date.now();
  const sizes = await fillEmbedded(url, itemsAt(embeddedItems), await sealingOf(url, home));
  const fillSeconds = (Date.now() - fillStarted) / 1000;
  log(`  ${(sizes.tableBytes / 1e6).toFixed(0)} MB table data in ${fillSeconds.toFixed(0)} s`);
  const backup: Runs = { label: 'embedded: smgr backup create', measured: [] };
  const restore: Runs = { label: 'embedded: smgr restore database (into pglite:)', measured: [] };
  let archive = '';
  for (let i = 0; i < runs; i++) {
    const dir = path.join(work, `embedded-backups-${i}`);
    const m = await measure(process.execPath, smgrArgs(home, ['backup', 'create', '--to', dir]), 'backup');
    logRun('embedded backup', i, m);
    backup.measured.push(m);
    const result = lastJson(m.stdout).archives[0] as { file: string; size: number };
    backup.outputBytes = result.size;
    if (i === 0) archive = result.file;
    else fs.rmSync(dir, { recursive: true, force: true });
  }
  const tiny: Runs = { label: 'embedded: restore of a group just set up (tiny) into pglite:', measured: [] };
  const restoreInto = (from: string, dir: string) =>
    measure(
      process.execPath,
      smgrArgs(home, ['restore', 'database', '--from', from, '--database', `pglite:${path.join(dir, 'db')}`]),
      'restore',
    );
  for (let i = 0; i < runs; i++) {
    const dir = path.join(work, `embedded-tiny-restore-${i}`);
    const m = await restoreInto(tinyArchive, dir);
    logRun('embedded restore of a tiny archive', i, m);
    tiny.measured.push(m);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  for (let i = 0; i < runs; i++) {
    const dir = path.join(work, `embedded-restore-${i}`);
    const m = await measure(
      process.execPath,
      smgrArgs(home, [
        'restore',
        'database',
        '--from',
        archive,
        '--database',
        `pglite:${path.join(dir, 'db')}`,
        '--key-file',
        keyFile,
        '--password-file',
        password,
      ]),
      'restore',
    );
    logRun('embedded restore', i, m);
    restore.measured.push(m);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // Issue 15's memory target leaves scrypt's 256 MiB aside: the identity from secure storage, once.
  const fromStorage: Runs = {
    label: 'embedded: smgr restore database (into pglite:), identity from secure storage (1 run)',
    measured: [],
  };
  const dir = path.join(work, 'embedded-restore-storage');
  const m = await restoreInto(archive, dir);
  logRun('embedded restore, identity from secure storage', 0, m, 1);
  fromStorage.measured.push(m);
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    sizes,
    fillSeconds,
    rows: [
      rowOf(backup, sizes.tableBytes),
      rowOf(restore, sizes.tableBytes),
      rowOf(tiny, sizes.tableBytes),
      rowOf(fromStorage, sizes.tableBytes),
    ],
  };
}

async function gitCommit(): Promise<string> {
  try {
    const head = (await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO })).stdout.trim();
    const dirty = (
      await run('git', ['status', '--porcelain', '--', 'src/backup', 'src/db'], { cwd: REPO })
    ).stdout.trim();
    return dirty ? `${head} (uncommitted changes in src/backup or src/db)` : head;
  } catch {
    return 'unknown';
  }
}

let failed = false;
try {
  if (!hasGnuTime()) log('no /usr/bin/time: peak RSS is polled from /proc/<pid>/status (VmHWM)');
  if (cpuProf) {
    fs.mkdirSync(cpuProf, { recursive: true });
    log(`CPU profiles of the smgr processes go to ${cpuProf} (times include the profiler's overhead)`);
  }
  const server = await benchServer();
  const embedded = embeddedItems > 0 ? await benchEmbedded() : undefined;
  const serverVersion = (await run('pg_dump', ['--version'])).stdout.trim().replace(/^pg_dump /, '');
  const report = renderReport({
    sizeLabel: runLabel,
    shape: flags.shape!,
    date: new Date(),
    runs,
    machine: `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.platform()} ${os.release()}`,
    software: `Node ${process.version}, ${serverVersion}, smgr ${await commitAtStart}${process.env.SMGR_BENCH_CLI ? ` (CLI: ${process.env.SMGR_BENCH_CLI})` : ''}`,
    server,
    embedded,
    benchSeconds: (Date.now() - benchStarted) / 1000,
    profiled: Boolean(cpuProf),
  });
  const out = resultsFile(flags.results!, `backup-${runLabel}-${new Date().toISOString().slice(0, 10)}`);
  fs.writeFileSync(out, report);
  process.stdout.write(`${report}\n`);
  log(`wrote ${out}`);
} catch (e) {
  failed = true;
  process.stderr.write(`bench:backup failed: ${(e as Error).stack ?? e}\n`);
} finally {
  if (flags.keep) {
    log(`kept: ${work}; databases ${databases.join(', ')}`);
  } else {
    for (const name of [...databases]) await dropDatabase(name).catch(() => {});
    fs.rmSync(work, { recursive: true, force: true });
  }
}
process.exitCode = failed ? 1 : 0;
