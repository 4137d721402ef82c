#!/usr/bin/env node
// Runs every compiled test file (dist/**/*.test.js) with Node's test runner.
// `npm test` builds first (pretest). Pass a substring to run only matching files.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const filter = process.argv[2];
const files = [];
const walk = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.test.js') && (!filter || p.includes(filter))) files.push(p);
  }
};
for (const root of ['dist/src', 'dist/test']) if (fs.existsSync(root)) walk(root);
files.sort();
if (files.length === 0) {
  console.error('no test files found: run npm run build first');
  process.exit(1);
}
const concurrency = process.env.SMGR_TEST_CONCURRENCY ?? '2';
const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...files], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
