/**
 * Start-up times a new user meets: `npm run bench:start [-- --runs 3 --results DIR]`. Not a test.
 * Each figure is the median of --runs, each run a fresh process:
 *  - the CLI: `./smgr --version`, `node dist/src/cli/main.js --version`, `npx smgr --version`;
 *  - the build: scripts/build-if-stale.mjs with nothing to do, and a full tsc build (into a temporary
 *    directory: dist/ is left alone);
 *  - `npm start`: the first run on a fresh home (SMGR_HOME, a temporary directory) until it answers
 *    /health, then a later `npm start` on that home, and `./smgr start`; each stopped with SIGINT.
 * Writes bench/results/start-up-<date>.md (or into --results DIR) with the load average before and after.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    results: { type: 'string', default: path.join(REPO, 'bench', 'results') },
  },
});
const runs = Number(flags.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs: expected a positive integer');
const DEADLINE_MS = 600_000;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const log = (text: string) => process.stderr.write(`${text}\n`);
const env = (home?: string): NodeJS.ProcessEnv => {
  const e = { ...process.env };
  for (const k of Object.keys(e)) if (k.startsWith('SMGR_') || k.startsWith('npm_')) delete e[k];
  if (home) e.SMGR_HOME = home;
  return e;
};

function timeCommand(cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: REPO, env: env(), stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

/** Starts a server command, waits for its listening line and a 200 from /health; answers seconds. */
async function timeServe(cmd: string, args: string[], home: string): Promise<number> {
  const t0 = performance.now();
  const child = spawn(cmd, [...args, '--listen', '127.0.0.1:0'], {
    cwd: REPO,
    env: env(home),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  try {
    const deadline = Date.now() + DEADLINE_MS;
    while (Date.now() < deadline) {
      const address = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (
        address &&
        (await fetch(`${address}/health`)
          .then((r) => r.ok)
          .catch(() => false))
      )
        return (performance.now() - t0) / 1000;
      if (child.exitCode !== null) throw new Error(`${cmd} ${args.join(' ')} exited:\n${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`${cmd} ${args.join(' ')} did not answer /health:\n${out}`);
  } finally {
    await stop(child);
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(-child.pid!, 'SIGINT');
  await exited;
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'smgr-bench-start-'));
const loadBefore = os.loadavg();
const rows: Array<[string, number[]]> = [];
const measure = async (label: string, one: (i: number) => number | Promise<number>) => {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) xs.push(await one(i));
  rows.push([label, xs]);
  log(`${label}: ${xs.map((x) => x.toFixed(2)).join(', ')} s`);
};
try {
  await measure('`./smgr --version`', () => timeCommand('./smgr', ['--version']));
  await measure('`node dist/src/cli/main.js --version`', () =>
    timeCommand(process.execPath, ['dist/src/cli/main.js', '--version']),
  );
  await measure('`npx smgr --version`', () => timeCommand('npx', ['smgr', '--version']));
  await measure('`node scripts/build-if-stale.mjs`, nothing to build', () =>
    timeCommand(process.execPath, ['scripts/build-if-stale.mjs']),
  );
  await measure("full tsc build (a fresh clone's first `npm start`)", (i) => {
    const out = path.join(scratch, `tsc-${i}`);
    return timeCommand(process.execPath, [
      'node_modules/typescript/bin/tsc',
      '-p',
      'tsconfig.json',
      '--outDir',
      out,
      '--tsBuildInfoFile',
      path.join(out, '.tsbuildinfo'),
    ]);
  });
  const homes = Array.from({ length: runs }, (_, i) => path.join(scratch, `home-${i}`));
  await measure('first `npm start` on a fresh home, to /health', (i) =>
    timeServe('npm', ['start', '--'], homes[i]!),
  );
  await measure('later `npm start`, to /health', (i) => timeServe('npm', ['start', '--'], homes[i]!));
  await measure('later `./smgr start`, to /health', (i) => timeServe('./smgr', ['start'], homes[i]!));
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
const loadAfter = os.loadavg();

const cpus = os.cpus();
const report = [
  `# Start-up times, ${new Date().toISOString().slice(0, 10)}`,
  '',
  `Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM; Node ${process.version}.`,
  `Load average (1, 5, 15 min): before ${loadBefore.map((l) => l.toFixed(1)).join(', ')}; after ${loadAfter.map((l) => l.toFixed(1)).join(', ')}.`,
  `Median of ${runs} runs, each a fresh process (bench/start-up.ts, npm run bench:start).`,
  '',
  '| what | median s | runs s |',
  '|---|--:|---|',
  ...rows.map(
    ([label, xs]) => `| ${label} | ${median(xs).toFixed(2)} | ${xs.map((x) => x.toFixed(2)).join(', ')} |`,
  ),
  '',
].join('\n');
const out = path.resolve(flags.results!, `start-up-${new Date().toISOString().slice(0, 10)}.md`);
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, report);
process.stdout.write(`${report}\n`);
log(`wrote ${out}`);
