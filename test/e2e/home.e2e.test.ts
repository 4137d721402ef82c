/** smgr home: the home every other command uses, so `$(smgr home)/admin-password` is right for root and for a user. */
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../support/cli.js';

describe('smgr home', () => {
  test('prints the home chosen by --home (before or after the command), else SMGR_HOME, else the default', async () => {
    const viaEnv = await runCli(['home'], { home: '/srv/smgr-env' });
    assert.deepEqual([viaEnv.code, viaEnv.stdout, viaEnv.stderr], [0, '/srv/smgr-env\n', '']);
    const after = await runCli(['home', '--home', '/srv/a'], { home: '/srv/smgr-env' });
    assert.equal(after.stdout, '/srv/a\n');
    const before = await runCli(['--home', '/srv/b', 'home'], { home: '/srv/smgr-env' });
    assert.equal(before.stdout, '/srv/b\n');
    const byDefault = await runCli(['home'], { home: '', env: { XDG_DATA_HOME: '' } });
    const expected =
      process.getuid?.() === 0 ? '/var/lib/smgr' : path.join(os.homedir(), '.local/share/smgr');
    assert.equal(byDefault.stdout, `${expected}\n`);
  });

  test('--json names the files in it; nothing installed is not an error', async () => {
    const r = await runCli(['home', '--json'], { home: '/srv/none' });
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), {
      ok: true,
      home: '/srv/none',
      installed: false,
      config: '/srv/none/config.json',
      secureStorage: '/srv/none/secure-storage',
      databases: '/srv/none/databases',
      backups: '/srv/none/backups',
      adminPasswordFile: null,
    });
  });

  test('--help says what it prints', async () => {
    const r = await runCli(['home', '--help'], { home: '/srv/none' });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: smgr home/m);
    assert.match(r.stdout, /admin-password/);
  });
});
