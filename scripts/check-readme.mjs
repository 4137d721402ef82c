#!/usr/bin/env node
// Runs the README's quick-start and HTTP API examples exactly as written, taken from the README
// itself (the fenced blocks after a `<!-- checked: NAME -->` marker), so they cannot drift:
//
//   quick-start  its first line (`npm install && npm start`), left serving in the background (and
//                later its last command alone, `npm start`, to time a later start);
//                the other lines are not run (`npm test` is CI's next step anyway)
//   cli-on-path  every line, in the checkout, in the shell that then runs ...
//   http-api     ... every line; then this script checks, through the API, that the work item exists
//
// for a fresh root (home /var/lib/smgr: a tmpfs over /var/lib in a private mount namespace) and a
// fresh normal user (uid 65534 with an empty HOME, in a copy of the checkout it owns). Each runs in
// its own network namespace, so the README's port 8420 is free and nothing else is reached. Then
// Ctrl-C (SIGINT to npm start's process group) must stop the server cleanly, and a second
// `npm start` must serve again without a new setup; the times to /health are printed.
// Needs root (CI runs as root), unshare and ip.
//
//   node scripts/check-readme.mjs [--as root|user|both]     (default both)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const USER_ID = 65534;
const HEALTH_DEADLINE_MS = 300_000;
const STOP_DEADLINE_MS = 60_000;
const { values: flags } = parseArgs({
  options: { as: { type: 'string', default: 'both' }, inside: { type: 'string' } },
});

/** The fenced ```sh blocks of the README after each `<!-- checked: NAME -->` marker. */
function checkedBlocks(readme) {
  const blocks = {};
  const re = /<!-- checked: ([\w-]+) -->\s*\n```sh\n([\s\S]*?)\n```/g;
  for (const m of readme.matchAll(re)) blocks[m[1]] = m[2];
  for (const name of ['quick-start', 'cli-on-path', 'http-api'])
    if (!blocks[name]) throw new Error(`README.md has no sh block marked <!-- checked: ${name} -->`);
  return blocks;
}

const fail = (message) => {
  process.stderr.write(`check-readme: FAILED: ${message}\n`);
  process.exit(1);
};
const say = (text) => process.stdout.write(`check-readme: ${text}\n`);

if (flags.inside) await inside(flags.inside);
else outside();

/** Re-runs this script once per identity inside fresh mount and network namespaces. */
function outside() {
  if (process.getuid?.() !== 0)
    fail('needs root (it mounts a fresh /var/lib and a network namespace); CI runs as root');
  const who = flags.as === 'both' ? ['root', 'user'] : [flags.as];
  for (const as of who) {
    if (as !== 'root' && as !== 'user') fail(`--as: expected root, user or both, got ${as}`);
    say(`--- as ${as} ---`);
    const r = spawnSync(
      'unshare',
      ['--mount', '--net', '--fork', process.execPath, fileURLToPath(import.meta.url), '--inside', as],
      {
        stdio: 'inherit',
      },
    );
    if (r.error) fail(`unshare: ${r.error.message}`);
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  say('PASS: the README examples work as written');
}

async function inside(as) {
  const blocks = checkedBlocks(fs.readFileSync(path.join(REPO, 'README.md'), 'utf8'));
  run('ip', ['link', 'set', 'lo', 'up']);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'smgr-readme-'));
  fs.chmodSync(scratch, 0o755);
  try {
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith('SMGR_') || k.startsWith('npm_')) delete env[k];
    delete env.XDG_DATA_HOME;
    let cwd = REPO;
    let home;
    if (as === 'root') {
      // A fresh, empty /var/lib in this namespace only: the root default home /var/lib/smgr is new.
      run('mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', '/var/lib']);
      home = '/var/lib/smgr';
    } else {
      cwd = path.join(scratch, 'smgr');
      fs.mkdirSync(cwd);
      copyCheckout(REPO, cwd);
      env.HOME = path.join(scratch, 'home');
      fs.mkdirSync(env.HOME);
      run('chown', ['-R', `${USER_ID}:${USER_ID}`, cwd, env.HOME]);
      home = path.join(env.HOME, '.local', 'share', 'smgr');
    }
    if (fs.existsSync(home)) fail(`${home} is not fresh`);
    const shell = (script, options = {}) => {
      const argv =
        as === 'root'
          ? ['bash', '-c', script]
          : ['setpriv', `--reuid=${USER_ID}`, `--regid=${USER_ID}`, '--clear-groups', 'bash', '-c', script];
      return spawn(argv[0], argv.slice(1), { cwd, env, ...options });
    };

    const startLine = blocks['quick-start'].split('\n')[0];
    say(`${as}: running the quick-start's first line in ${cwd}: ${startLine}`);
    let server = startServer(shell, startLine);
    const first = await waitHealthy(server);
    if (!fs.existsSync(path.join(home, 'config.json'))) fail(`the first run did not install into ${home}`);
    if (!/Set up in [\d.]+ s\./.test(server.output())) fail(`no first-run lines in:\n${server.output()}`);
    say(`${as}: first npm start answered /health after ${first.toFixed(1)} s (home ${home})`);

    const examples = `set -euo pipefail\n${blocks['cli-on-path']}\n${blocks['http-api']}\n`;
    say(`${as}: running the cli-on-path and http-api blocks as written`);
    const out = await collect(shell(examples, { stdio: ['ignore', 'pipe', 'pipe'] }));
    if (out.code !== 0) fail(`the examples exited ${out.code}:\n${out.stdout}\n${out.stderr}`);
    if (!/"displayId":"IR\d+"/.test(out.stdout) || !/"title":"Printer on fire"/.test(out.stdout))
      fail(`the last example did not answer the created incident:\n${out.stdout}\n${out.stderr}`);
    const created = await findCreated(home);
    say(`${as}: work item ${created.displayId} "${created.title}" was created and reads back`);

    await stopServer(server);
    const laterLine = startLine
      .split('&&')
      .pop()
      .replace(/\s+#.*$/, '')
      .trim();
    say(`${as}: running ${laterLine}`);
    server = startServer(shell, laterLine);
    const later = await waitHealthy(server);
    if (/First run/.test(server.output())) fail('the second npm start set up again');
    say(`${as}: a later npm start answered /health after ${later.toFixed(1)} s`);
    await stopServer(server);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} exited ${r.status ?? r.error?.message}`);
}

/** The checkout, with node_modules and dist, times kept (so dist stays up to date); not .git. */
function copyCheckout(from, to) {
  const tar = spawnSync(
    'bash',
    ['-c', `tar -C "$1" --exclude=./.git --exclude=./.smgr-test -cf - . | tar -C "$2" -xpf -`, '_', from, to],
    {
      stdio: 'inherit',
    },
  );
  if (tar.status !== 0) fail('copying the checkout failed');
}

function startServer(shell, line) {
  const child = shell(line, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let text = '';
  child.stdout.on('data', (d) => {
    text += d;
  });
  child.stderr.on('data', (d) => {
    text += d;
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited, started: Date.now(), output: () => text };
}

async function waitHealthy(server) {
  const deadline = server.started + HEALTH_DEADLINE_MS;
  let exited = false;
  server.exited.then(() => {
    exited = true;
  });
  while (Date.now() < deadline && !exited) {
    try {
      const r = await fetch('http://127.0.0.1:8420/health');
      if (r.ok) return (Date.now() - server.started) / 1000;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  fail(`npm start ${exited ? 'exited' : 'did not answer /health in time'}:\n${server.output()}`);
}

/** Ctrl-C: SIGINT to the whole process group, as a terminal sends it; the server must stop cleanly. */
async function stopServer(server) {
  process.kill(-server.child.pid, 'SIGINT');
  const timer = setTimeout(
    () => fail(`npm start did not stop after Ctrl-C:\n${server.output()}`),
    STOP_DEADLINE_MS,
  );
  await server.exited;
  clearTimeout(timer);
  if (!/management server stopped/.test(server.output())) fail(`no clean stop:\n${server.output()}`);
}

function collect(child) {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Logs in with the saved admin password and finds the incident the example created. */
async function findCreated(home) {
  const password = fs.readFileSync(path.join(home, 'admin-password'), 'utf8').trim();
  const base = 'http://127.0.0.1:8420';
  const login = await fetch(`${base}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  if (login.status !== 201) fail(`login answered ${login.status}`);
  const { token } = await login.json();
  const r = await fetch(`${base}/api/v1/work-items?class=incident`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const items = r.ok ? (await r.json()).items : [];
  const found = items.filter((i) => i.title === 'Printer on fire' && /^IR\d+$/.test(i.displayId));
  if (found.length !== 1)
    fail(`GET /api/v1/work-items?class=incident answered ${r.status} with ${JSON.stringify(items)}`);
  return found[0];
}
