import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { tempDir } from '../../test/support/engines.js';
import { homePaths } from '../computer/home.js';
import { isSmgrError, SmgrError } from '../errors/smgr-error.js';
import { startAdminChannel } from './admin-channel.js';
import { callAdmin } from './admin-client.js';

const root = tempDir('smgr-admin-');
after(() => fs.rmSync(root, { recursive: true, force: true }));

test('answers operations with progress events, results and errors; the socket is 0600', async () => {
  const home = homePaths(root);
  const channel = await startAdminChannel(home.adminSocket, async (name, body, report) => {
    if (name === 'echo') {
      report({ step: 1 });
      report({ step: 2 });
      return { body };
    }
    if (name === 'fail') throw new SmgrError('KEY_MISSING', { keyId: 'mg-1', group: 'G', path: '/x' });
    throw new SmgrError('ROUTE_NOT_FOUND', { method: 'POST', path: name });
  });
  try {
    assert.equal(fs.statSync(home.adminSocket).mode & 0o777, 0o600);
    const events: unknown[] = [];
    assert.deepEqual(await callAdmin(home, 'echo', { a: 1 }, (e) => events.push(e)), { body: { a: 1 } });
    assert.deepEqual(events, [{ step: 1 }, { step: 2 }]);
    await assert.rejects(
      callAdmin(home, 'fail'),
      (e) => isSmgrError(e) && e.code === 'KEY_MISSING' && /mg-1/.test(e.message),
    );
    await assert.rejects(callAdmin(home, 'nope'), (e) => isSmgrError(e) && e.code === 'ROUTE_NOT_FOUND');
  } finally {
    await channel.close();
  }
  assert.equal(await callAdmin(home, 'echo'), undefined, 'no server: the caller opens the database itself');
});

test('a home too long for a Unix socket path is refused in words, creating nothing', async () => {
  const long = path.join(root, 'x'.repeat(120));
  await assert.rejects(
    startAdminChannel(path.join(long, 'admin.sock'), async () => ({})),
    (e) => {
      assert.ok(isSmgrError(e) && e.code === 'HOME_UNUSABLE');
      assert.match(e.message, /longer than the 107 bytes/);
      return true;
    },
  );
  assert.equal(fs.existsSync(long), false);
});
