/**
 * A home made by smgr 0.1 (test/fixtures/release-0.1, kept forever): its
 * format-1 config.json, its secure storage and its ServiceManager database
 * (schema 3) work with this release as they are — status, doctor and serve,
 * the old incident readable — and the config is rewritten as format 2.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, type CliEnv, jsonOut, msStatus, runCli, startServe } from '../support/cli.js';
import { serverFixture, tempDir } from '../support/engines.js';

const FIXTURE = path.resolve('test/fixtures/release-0.1');

describe('a home made by smgr 0.1', () => {
  const fx = serverFixture();
  const root = tempDir('smgr-v01-');
  const home = path.join(root, 'home');
  const env: CliEnv = { home, computerName: 'ms01' };
  let url = '';

  before(async () => {
    url = await fx.newDatabaseUrl();
    const loaded = spawnSync(
      'psql',
      ['-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', path.join(FIXTURE, 'ServiceManager.sql')],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(loaded.status, 0, loaded.stderr);
    fs.cpSync(path.join(FIXTURE, 'home'), home, { recursive: true });
    // Git keeps no file modes: give secure storage the ones 0.1 gave it.
    fs.chmodSync(path.join(home, 'secure-storage'), 0o700);
    for (const f of fs.readdirSync(path.join(home, 'secure-storage'))) {
      fs.chmodSync(path.join(home, 'secure-storage', f), 0o600);
    }
    const config = JSON.parse(fs.readFileSync(path.join(home, 'config.json'), 'utf8'));
    config.managementServer.database = url;
    fs.writeFileSync(path.join(home, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  });
  after(async () => {
    await fx.cleanup();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('status reads it; config.json is rewritten as format 2', async () => {
    const r = await runCli(['status', '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const ms = msStatus(jsonOut(r.stdout));
    assert.equal(ms.managementGroup.name, 'Contoso');
    assert.deepEqual(
      ms.keys.map((k: { keyId: string; verifies: boolean }) => [k.keyId, k.verifies]),
      [['mg-64628141c48ff953', true]],
    );
    const config = JSON.parse(fs.readFileSync(path.join(home, 'config.json'), 'utf8'));
    assert.equal(config.format, 2);
    assert.equal(config.parts['management-server'].keyId, 'mg-64628141c48ff953');
    assert.equal(JSON.parse(fs.readFileSync(path.join(home, 'config.json.format-1'), 'utf8')).format, 1);
  });

  test('serve starts on it; the incident 0.1 created is there; doctor passes', async () => {
    const server = await startServe(env);
    try {
      const login = await api(server.baseUrl, 'POST', '/api/v1/sessions', {
        username: 'admin',
        password: 'old-admin-pass-1',
      });
      assert.equal(login.status, 201, login.text);
      const items = await api(server.baseUrl, 'GET', '/api/v1/work-items', undefined, login.body.token);
      assert.deepEqual(
        items.body.items.map((i: { title: string }) => i.title),
        ['Made by smgr 0.1'],
      );
      const doctor = await runCli(['doctor', '--json'], env);
      assert.equal(doctor.code, 0, doctor.stdout);
    } finally {
      await server.stop();
    }
  });

  test('its key backup file restores into a new home', async () => {
    const pass = path.join(root, 'pass');
    fs.writeFileSync(pass, 'fixture passphrase 0.1\n');
    const r = await runCli(
      ['key', 'restore', '--json', '--file', path.join(FIXTURE, 'keys.age'), '--password-file', pass],
      { home: path.join(root, 'other'), computerName: 'ms01' },
    );
    assert.equal(r.code, 0, r.stdout);
    assert.deepEqual(jsonOut(r.stdout).restored, ['mg-64628141c48ff953']);
  });
});
