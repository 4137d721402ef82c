/** One process per embedded database directory (ARCHITECTURE §2). */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { tempDir } from '../../test/support/engines.js';
import { isSmgrError } from '../errors/smgr-error.js';
import { openDatabase } from './open-database.js';

const dir = tempDir('smgr-lock-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a second opener in another process gets DATABASE_LOCKED naming the directory and pid', async () => {
  const url = `pglite:${path.join(dir, 'db1')}`;
  const db = await openDatabase(url);
  try {
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import('${path.resolve('dist/src/db/open-database.js')}').then(m => m.openDatabase(${JSON.stringify(url)})).then(() => { console.log('OPENED'); process.exit(0); }, (e) => { console.log(e.code + ' ' + e.message); process.exit(3); })`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    const code = await new Promise((r) => child.on('exit', r));
    assert.equal(code, 3, out);
    assert.match(out, new RegExp(`DATABASE_LOCKED .*${path.join(dir, 'db1')}.*process ${process.pid}`));
  } finally {
    await db.close();
  }
  // Released on close: it opens again.
  const again = await openDatabase(url);
  await again.close();
});

test('a second opener in the same process is refused too', async () => {
  const url = `pglite:${path.join(dir, 'db2')}`;
  const db = await openDatabase(url);
  try {
    await assert.rejects(openDatabase(url), (e) => isSmgrError(e) && e.code === 'DATABASE_LOCKED');
  } finally {
    await db.close();
  }
});

test('a stale lock (its process died) is taken over', async () => {
  const url = `pglite:${path.join(dir, 'db3')}`;
  const db = await openDatabase(url);
  await db.close();
  fs.writeFileSync(`${path.join(dir, 'db3')}.lock`, '999999\n'); // no such process
  const again = await openDatabase(url);
  await again.query('SELECT 1');
  await again.close();
});
