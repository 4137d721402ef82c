/** A restore's embedded target runs with small shared buffers, for that open only (pglite-engine.ts). */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { tempDir } from '../../test/support/engines.js';
import { openDatabase } from './open-database.js';

const dir = tempDir('smgr-restore-target-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const sharedBuffers = async (url: string, restoreTarget: boolean) => {
  const db = await openDatabase(url, { restoreTarget });
  try {
    return (await db.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows[0]?.shared_buffers;
  } finally {
    await db.close();
  }
};

test('opened as a restore target: 32MB of shared buffers; the next ordinary open has the default again', async () => {
  const url = `pglite:${path.join(dir, 'db')}`;
  assert.equal(await sharedBuffers(url, true), '32MB');
  assert.equal(await sharedBuffers(url, false), '128MB');
  assert.equal(await sharedBuffers(url, true), '32MB');
  assert.equal(await sharedBuffers(url, false), '128MB');
});
