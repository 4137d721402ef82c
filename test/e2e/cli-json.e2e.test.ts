/**
 * The CLI's machine-readable side (docs/ERRORS.md): --json prints JSON lines
 * (progress events of long work, the result last), one error object shared
 * with the HTTP API and the admin channel, usage errors through the registry,
 * and the exit codes scripts tell states apart by — whether the command runs
 * in the CLI's process or through the running server.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, type CliEnv, jsonOut, runCli, type ServeHandle, startServe } from '../support/cli.js';
import { tempDir } from '../support/engines.js';

const lines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('smgr --json', () => {
  const root = tempDir('smgr-json-');
  const env: CliEnv = { home: path.join(root, 'home'), computerName: 'ms01' };
  before(async () => {
    fs.writeFileSync(path.join(root, 'pw'), 'admin-pass-json-1\n');
    const r = await runCli(
      [
        'setup',
        'management-server',
        '--new-database',
        '--management-group',
        'J',
        '--admin-user',
        'admin',
        '--admin-password-file',
        path.join(root, 'pw'),
      ],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  test('usage errors go through the registry: USAGE, exit 2, one JSON line with --json', async () => {
    const r = await runCli(['no-such-command', '--json'], env);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, '');
    assert.deepEqual(lines(r.stdout).length, 1);
    const e = jsonOut(r.stdout);
    assert.deepEqual(Object.keys(e), ['ok', 'error', 'message', 'remedy']);
    assert.deepEqual([e.ok, e.error], [false, 'USAGE']);
    assert.match(e.message, /unknown command 'no-such-command'/);
    const human = await runCli(['status', '--no-such-flag'], env);
    assert.equal(human.code, 2);
    assert.match(human.stderr, /^error: unknown option '--no-such-flag'\nremedy: .*--help/);
    const missing = await runCli(['promote', '--json'], env);
    assert.equal(missing.code, 2);
    assert.equal(jsonOut(missing.stdout).error, 'USAGE');
  });

  test('exit codes: not installed 10, wrong passphrase 12, key missing 13', async () => {
    const empty = await runCli(['status', '--json'], {
      home: path.join(root, 'empty'),
      computerName: 'ms01',
    });
    assert.deepEqual([empty.code, jsonOut(empty.stdout).error], [10, 'NOT_INSTALLED']);
    const pass = path.join(root, 'pass');
    fs.writeFileSync(pass, 'right passphrase 1\n');
    const keys = path.join(root, 'keys.age');
    assert.equal((await runCli(['key', 'backup', '--file', keys, '--password-file', pass], env)).code, 0);
    fs.writeFileSync(pass, 'wrong passphrase 1\n');
    const wrong = await runCli(['key', 'restore', '--json', '--file', keys, '--password-file', pass], {
      home: path.join(root, 'other'),
    });
    assert.deepEqual([wrong.code, jsonOut(wrong.stdout).error], [12, 'KEY_BACKUP_WRONG_PASSPHRASE']);
    const store = path.join(env.home, 'secure-storage');
    const keyFile = fs.readdirSync(store).find((f) => f.endsWith('.key'))!;
    fs.renameSync(path.join(store, keyFile), path.join(root, keyFile));
    try {
      const r = await runCli(['serve', '--json', '--listen', '127.0.0.1:0'], env);
      assert.deepEqual([r.code, jsonOut(r.stdout).error], [13, 'KEY_MISSING']);
    } finally {
      fs.renameSync(path.join(root, keyFile), path.join(store, keyFile));
    }
  });

  test('backup create --json: progress events as JSON lines, the result last (in the CLI process)', async () => {
    const r = await runCli(['backup', 'create', '--json', '--to', path.join(root, 'b1')], env);
    assert.equal(r.code, 0, r.stderr);
    checkProgressThenResult(r.stdout);
  });

  describe('through the running server', () => {
    let server: ServeHandle;
    before(async () => {
      server = await startServe(env);
    });
    after(async () => {
      await server.stop();
    });

    test('backup create --json: the server streams the same progress events', async () => {
      const r = await runCli(['backup', 'create', '--json', '--to', path.join(root, 'b2')], env);
      assert.equal(r.code, 0, r.stderr);
      checkProgressThenResult(r.stdout);
    });

    test('one error object for the HTTP API, the admin channel and the CLI', async () => {
      const http = await api(server.baseUrl, 'GET', '/api/v1/work-items');
      assert.equal(http.status, 401);
      assert.deepEqual(Object.keys(http.body), ['error', 'message', 'remedy']);
      const viaServer = await runCli(['promote', 'ms09', '--json'], env); // answered by the server
      assert.equal(viaServer.code, 1);
      const e = jsonOut(viaServer.stdout);
      assert.deepEqual(Object.keys(e), ['ok', 'error', 'message', 'remedy']);
      assert.equal(e.error, 'PROMOTE_UNKNOWN_SERVER');
      const busy = await runCli(['serve', '--json', '--listen', '127.0.0.1:0'], env);
      assert.deepEqual([busy.code, jsonOut(busy.stdout).error], [11, 'SERVER_RUNNING']);
    });
  });
});

function checkProgressThenResult(stdout: string): void {
  const all = lines(stdout);
  const result = all.pop();
  assert.ok(all.length > 0, 'progress events before the result');
  for (const e of all) {
    assert.equal(e.type, 'progress');
    assert.equal(e.database, 'ServiceManager');
    assert.equal(typeof e.tablesTotal, 'number');
  }
  assert.ok(all.some((e) => e.tableDone && e.table === 'users' && e.rows === 1));
  assert.equal(result.ok, true);
  assert.equal(result.archives.length, 1);
  assert.ok(fs.existsSync(result.archives[0].file));
}
