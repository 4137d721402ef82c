#!/usr/bin/env node
// Runs the compiled test files (dist/**/*.test.js), each in its own node process, several at a time.
// `npm test` builds first if a source changed (pretest). Arguments are substrings: only files whose
// path contains one of them run.
//
// Test files share no state (each makes its own temporary homes, ports and uniquely named
// databases), so they run in parallel: SMGR_TEST_CONCURRENCY processes at a time (default: the
// machine's cores + 1, at least 3; most of a test's time is spent waiting on child processes, the
// database server and lease deadlines, not on this process's CPU). The longest files start first,
// by the durations of the previous run (dist/.test-durations.json), else of the committed
// scripts/test-durations.json (refresh it from a full run's dist/.test-durations.json, in seconds),
// so the run ends soon after its longest file. Each file's output is printed whole when it ends, with its duration; the summary
// names the failed files and the slowest ones. A file over the slow-test budget
// (SMGR_TEST_SLOW_S, default 240 s) is named as slow, but that is no failure: the machine may be
// busy. A file still running after SMGR_TEST_FILE_TIMEOUT_S (default 1800 s) is killed and fails.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const filters = process.argv.slice(2);
const DURATIONS = 'dist/.test-durations.json';
const concurrency = Number(process.env.SMGR_TEST_CONCURRENCY ?? Math.max(3, os.availableParallelism() + 1));
const slowS = Number(process.env.SMGR_TEST_SLOW_S ?? 240);
const fileTimeoutS = Number(process.env.SMGR_TEST_FILE_TIMEOUT_S ?? 1800);

/** dist/src/a/b.test.js → src/a/b.test.ts: a compiled file whose source was deleted does not run. */
const sourceOf = (file) => file.replace(/^dist\//, '').replace(/\.js$/, '.ts');

const files = [];
const walk = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.test.js') && fs.existsSync(sourceOf(p))) {
      if (filters.length === 0 || filters.some((f) => p.includes(f))) files.push(p);
    }
  }
};
for (const root of ['dist/src', 'dist/test']) if (fs.existsSync(root)) walk(root);
if (files.length === 0) {
  console.error(
    filters.length
      ? `no test file matches ${filters.join(', ')}`
      : 'no test files found: run npm run build first',
  );
  process.exit(1);
}

// The server-engine tests need a PostgreSQL server: say so at once, not after minutes of failures.
const pgUrl = process.env.SMGR_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
try {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  await client.end();
} catch (e) {
  console.warn(
    `warning: the PostgreSQL server at ${pgUrl.replace(/:[^:@/]*@/, ':***@')} is not reachable (${e.message}):\n` +
      'the server-engine tests will fail. Start one (bash .ci/run sets one up) or set SMGR_TEST_POSTGRES_URL.',
  );
}

let previous = {};
try {
  previous = JSON.parse(fs.readFileSync(DURATIONS, 'utf8'));
} catch {}
// A fresh clone (CI) has no previous run: the committed seconds of a full run on a busy machine
// (scripts/test-durations.json) order it instead.
let committed = {};
try {
  committed = JSON.parse(fs.readFileSync(new URL('./test-durations.json', import.meta.url), 'utf8'));
} catch {}
const expectedMs = (file) => previous[file] ?? (committed[file] !== undefined ? committed[file] * 1000 : 1e9);
// Longest first; files never timed count as long (they may be).
files.sort((a, b) => expectedMs(b) - expectedMs(a) || a.localeCompare(b));

const started = Date.now();
const results = [];
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
console.log(
  `Running ${files.length} test files, ${Math.min(concurrency, files.length)} at a time (SMGR_TEST_CONCURRENCY) ...`,
);

function runFile(file) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--test-reporter=spec', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' },
      detached: true, // its own process group, so a timeout kills what it started too
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid, 'SIGKILL');
    }, fileTimeoutS * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = Date.now() - t0;
      const ok = code === 0 && !timedOut;
      const count = (name) => Number(new RegExp(`^ℹ ${name} (\\d+)$`, 'm').exec(output)?.[1] ?? 0);
      const tests = {
        tests: count('tests'),
        pass: count('pass'),
        fail: count('fail'),
        skipped: count('skipped'),
      };
      const why = timedOut
        ? `killed after ${fileTimeoutS} s`
        : signal
          ? `ended by ${signal}`
          : `exit ${code}`;
      if (!ok) process.stdout.write(`\n${output}\n`);
      const counts = `${tests.pass}/${tests.tests} tests passed${tests.skipped ? `, ${tests.skipped} skipped` : ''}`;
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${file}  ${seconds(ms)}  ${counts}${ok ? '' : `  (${why})`}`);
      results.push({ file, ms, ok, ...tests });
      resolve();
    });
  });
}

const queue = [...files];
await Promise.all(
  Array.from({ length: Math.min(concurrency, files.length) }, async () => {
    for (let f = queue.shift(); f; f = queue.shift()) await runFile(f);
  }),
);

const failed = results.filter((r) => !r.ok);
const slowest = [...results].sort((a, b) => b.ms - a.ms).slice(0, 8);
fs.writeFileSync(
  DURATIONS,
  `${JSON.stringify(Object.fromEntries(Object.entries({ ...previous, ...Object.fromEntries(results.map((r) => [r.file, r.ms])) }).filter(([f]) => fs.existsSync(f))), null, 1)}\n`,
);
console.log(`\nSlowest files: ${slowest.map((r) => `${r.file} ${seconds(r.ms)}`).join(', ')}`);
for (const r of results.filter((r) => r.ms > slowS * 1000))
  console.log(`slow: ${r.file} took ${seconds(r.ms)}, over the ${slowS} s budget (SMGR_TEST_SLOW_S)`);
const load = os.loadavg()[0].toFixed(1);
const sum = (k) => results.reduce((n, r) => n + r[k], 0);
console.log(
  `Tests: ${sum('pass')} passed, ${sum('fail')} failed, ${sum('skipped')} skipped, of ${sum('tests')}.`,
);
console.log(
  `${results.length - failed.length} of ${results.length} test files passed in ${seconds(Date.now() - started)} ` +
    `(${concurrency} at a time, ${os.availableParallelism()} cores, load ${load}).`,
);
if (failed.length) {
  console.log(`FAILED: ${failed.map((r) => r.file).join(', ')}`);
  process.exit(1);
}
