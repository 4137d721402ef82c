#!/usr/bin/env node
// Builds dist/ with tsc only when a source is newer than the last good build,
// so a later `npm start` (prestart), `npm test` (pretest) or `./smgr` serves at
// once instead of spending seconds in tsc. The stamp dist/.build-stamp gets the
// time the last successful build started: a file saved during a build counts as
// newer, and a failed build leaves the stamp alone (so the next run builds again).
// Prints nothing when nothing needs building. `--always` builds anyway (npm run build).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'dist', '.build-stamp');
// Not package.json nor package-lock.json: npm install rewrites them (new mtimes) even when nothing changed.
const inputs = ['src', 'test', 'bench', 'tsconfig.json'];

const mtimeOf = (file) => {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
};

/** The first input newer than `since`, or undefined. */
function newerInput(since) {
  const visit = (p) => {
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if (!st) return undefined;
    // A directory's own time changes when a file in it is added, removed or renamed.
    if (st.mtimeMs > since) return p;
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p)) {
        const hit = visit(path.join(p, e));
        if (hit) return hit;
      }
      return undefined;
    }
    return undefined;
  };
  for (const i of inputs) {
    const hit = visit(path.join(root, i));
    if (hit) return hit;
  }
  return undefined;
}

/** The template of new embedded data directories (src/db/pglite-template.ts): made once, after a build. */
function makePgliteTemplate() {
  const dir = path.join(root, 'dist', 'src', 'db');
  const made = fs.existsSync(dir) && fs.readdirSync(dir).some((n) => /^pglite-template-.*\.tar\.gz$/.test(n));
  if (made || !fs.existsSync(path.join(dir, 'pglite-template.js'))) return;
  process.stderr.write('Making the template of new embedded databases (PGlite initdb, once) ... ');
  const started = Date.now();
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'make-pglite-template.mjs')], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  process.stderr.write(
    r.status === 0
      ? `done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`
      : 'failed (new embedded databases run initdb instead)\n',
  );
}

const built = mtimeOf(stamp);
const always = process.argv.includes('--always');
const changed = always ? 'asked to' : built === undefined ? 'no build yet' : newerInput(built);
if (!changed) {
  makePgliteTemplate();
  process.exit(0);
}

const started = new Date();
const why = always || built === undefined ? changed : `${path.relative(root, changed)} changed`;
process.stderr.write(`Building dist/ with tsc (${why}) ... `);
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
if (!fs.existsSync(tsc)) {
  process.stderr.write(
    '\nThe npm packages are not installed: run npm install (or npm ci) in this directory first.\n',
  );
  process.exit(1);
}
const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
});
if (r.status !== 0) {
  process.stderr.write('\nThe build failed (the errors are above); nothing was started.\n');
  process.exit(r.status ?? 1);
}
fs.mkdirSync(path.dirname(stamp), { recursive: true });
fs.writeFileSync(stamp, `${started.toISOString()}\n`);
fs.utimesSync(stamp, started, started);
process.stderr.write(`done in ${((Date.now() - started.getTime()) / 1000).toFixed(1)} s\n`);
makePgliteTemplate();
