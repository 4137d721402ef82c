/**
 * End to end, through the built CLI, on both engines: setup, serve, work over
 * HTTP, stop, serve again, everything still there; every refusal of serve;
 * status through the admin channel; no secret in any output.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { api, jsonOut, msStatus, runCli, startServe, transcript } from '../support/cli.js';
import { ENGINES, tempDir } from '../support/engines.js';
import { dumpDatabaseAt, snapshotDir } from '../support/snapshot.js';

const RUN_AS_PASSWORD = 'Run-As-S3cret-7f3a9c';
const ADMIN_PASSWORD = 'admin-pass-9d2e41';

for (const makeFixture of ENGINES) {
  const fx = makeFixture();
  describe(`smgr setup + serve (${fx.name})`, () => {
    const root = tempDir('smgr-e2e-');
    const home = path.join(root, 'home');
    const pwFile = path.join(root, 'admin.pw');
    fs.writeFileSync(pwFile, `${ADMIN_PASSWORD}\n`);
    let url = '';
    const env = { home, computerName: 'ms01' };
    after(async () => {
      await fx.cleanup();
      fs.rmSync(root, { recursive: true, force: true });
    });

    test('setup creates the group and tells the administrator to back up the key', async () => {
      url =
        fx.name === 'server'
          ? await fx.newDatabaseUrl()
          : `pglite:${path.join(home, 'databases', 'ServiceManager')}`;
      const r = await runCli(
        [
          'setup',
          'management-server',
          '--new-database',
          '--management-group',
          'Contoso',
          '--database',
          url,
          '--admin-user',
          'admin',
          '--admin-password-file',
          pwFile,
        ],
        env,
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Management group "Contoso"/);
      assert.match(r.stdout, /smgr key backup --file/);
      assert.equal(fs.statSync(path.join(home, 'secure-storage')).mode & 0o777, 0o700);
    });

    test('serve, work over HTTP, stop cleanly, serve again: everything still there', async () => {
      let server = await startServe(env);
      const health = await api(server.baseUrl, 'GET', '/health');
      assert.deepEqual(health.body, {
        status: 'ok',
        managementGroup: 'Contoso',
        computerName: 'ms01',
        role: 'workflow',
      });
      const login = await api(server.baseUrl, 'POST', '/api/v1/sessions', {
        username: 'admin',
        password: ADMIN_PASSWORD,
      });
      assert.equal(login.status, 201);
      const token = login.body.token as string;
      const created = [];
      for (let i = 0; i < 5; i++) {
        const r = await api(
          server.baseUrl,
          'POST',
          '/api/v1/work-items',
          {
            class: i % 2 ? 'service-request' : 'incident',
            title: `Printer ${i} on fire`,
            priority: 1 + (i % 4),
            properties: { floor: i },
          },
          token,
        );
        assert.equal(r.status, 201, r.text);
        created.push(r.body);
      }
      const ci = await api(
        server.baseUrl,
        'POST',
        '/api/v1/config-items',
        { class: 'computer', name: 'PRN-01', properties: { ip: '10.0.0.5' } },
        token,
      );
      assert.equal(ci.status, 201, ci.text);
      const ra = await api(
        server.baseUrl,
        'POST',
        '/api/v1/run-as-accounts',
        { name: 'sql-svc', username: 'CONTOSO\\sql', password: RUN_AS_PASSWORD },
        token,
      );
      assert.equal(ra.status, 201, ra.text);

      // status through the admin channel while the server holds the (embedded) database
      const st = await runCli(['status', '--json'], env);
      assert.equal(st.code, 0, st.stderr);
      const status = jsonOut(st.stdout);
      assert.equal(msStatus(status).managementGroup.name, 'Contoso');
      assert.deepEqual(
        msStatus(status).servers.map((s: { computerName: string; alive: boolean }) => [
          s.computerName,
          s.alive,
        ]),
        [['ms01', true]],
      );
      assert.equal(msStatus(status).keys.length, 1);
      assert.equal(msStatus(status).keys[0].verifies, true);

      assert.equal(await server.stop(), 0);
      const stopped = JSON.parse((await runCli(['status', '--json'], env)).stdout);
      assert.equal(msStatus(stopped).servers[0].alive, false, 'a clean stop is recorded');

      server = await startServe(env);
      const login2 = await api(server.baseUrl, 'POST', '/api/v1/sessions', {
        username: 'admin',
        password: ADMIN_PASSWORD,
      });
      const t2 = login2.body.token as string;
      for (const item of created) {
        const got = await api(server.baseUrl, 'GET', `/api/v1/work-items/${item.id}`, undefined, t2);
        assert.deepEqual(got.body, item);
      }
      const verify = await api(
        server.baseUrl,
        'POST',
        `/api/v1/run-as-accounts/${ra.body.id}/verify`,
        { password: RUN_AS_PASSWORD },
        t2,
      );
      assert.deepEqual(verify.body, { matches: true });
      const wrong = await api(
        server.baseUrl,
        'POST',
        `/api/v1/run-as-accounts/${ra.body.id}/verify`,
        { password: 'nope' },
        t2,
      );
      assert.deepEqual(wrong.body, { matches: false });

      // A second server from the same home is refused.
      const second = await runCli(['serve', '--listen', '127.0.0.1:0'], env);
      assert.equal(second.code, 11);
      assert.match(second.stderr, /^error: A management server already runs from this home/m);
      assert.equal(await server.stop(), 0);
    });

    test('serve without the key: exit 13, names the key id and smgr key restore, nothing changed', async () => {
      const keyFile = fs.readdirSync(path.join(home, 'secure-storage')).find((n) => n.endsWith('.key'))!;
      const keyId = keyFile.replace(/\.key$/, '');
      const aside = path.join(root, keyFile);
      fs.renameSync(path.join(home, 'secure-storage', keyFile), aside);
      const beforeDb = await dumpDatabaseAt(url);
      const beforeHome = snapshotDir(home, ['databases']);
      try {
        const r = await runCli(['serve', '--listen', '127.0.0.1:0'], env);
        assert.equal(r.code, 13);
        const lines = r.stderr.trim().split('\n');
        assert.equal(lines.length, 2, r.stderr);
        assert.match(
          lines[0]!,
          new RegExp(`^error: The encryption key ${keyId} .* is not in secure storage`),
        );
        assert.match(lines[1]!, /^remedy: .*smgr key restore --file/);
        assert.equal(await dumpDatabaseAt(url), beforeDb);
        assert.deepEqual(snapshotDir(home, ['databases']), beforeHome);
      } finally {
        fs.renameSync(aside, path.join(home, 'secure-storage', keyFile));
      }
    });

    test('serve with a key that does not match: KEY_MISMATCH, nothing changed', async () => {
      const dir = path.join(home, 'secure-storage');
      const keyFile = path.join(dir, fs.readdirSync(dir).find((n) => n.endsWith('.key'))!);
      const original = fs.readFileSync(keyFile, 'utf8');
      const forged = JSON.parse(original);
      forged.kek = Buffer.alloc(32, 7).toString('base64');
      fs.writeFileSync(keyFile, JSON.stringify(forged));
      const beforeDb = await dumpDatabaseAt(url);
      try {
        const r = await runCli(['serve', '--json', '--listen', '127.0.0.1:0'], env);
        assert.equal(r.code, 13);
        assert.equal(jsonOut(r.stdout).error, 'KEY_MISMATCH');
        assert.equal(await dumpDatabaseAt(url), beforeDb);
      } finally {
        fs.writeFileSync(keyFile, original);
      }
    });

    test('serve under a computer name that is not registered is refused', async () => {
      const other = path.join(root, 'home2');
      fs.cpSync(home, other, { recursive: true });
      const cfg = JSON.parse(fs.readFileSync(path.join(other, 'config.json'), 'utf8'));
      cfg.computerName = 'ms99';
      fs.writeFileSync(path.join(other, 'config.json'), JSON.stringify(cfg));
      if (fx.name === 'embedded') {
        cfg.parts['management-server'].database = `pglite:${path.join(other, 'databases', 'ServiceManager')}`;
        fs.writeFileSync(path.join(other, 'config.json'), JSON.stringify(cfg));
      }
      const r = await runCli(['serve', '--listen', '127.0.0.1:0'], { home: other });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Computer "ms99" is not registered in management group "Contoso"/);
    });

    test('secure storage with loose permissions is refused with the chmod that fixes it', async () => {
      const dir = path.join(home, 'secure-storage');
      fs.chmodSync(dir, 0o755);
      try {
        const r = await runCli(['serve', '--listen', '127.0.0.1:0'], env);
        assert.equal(r.code, 1);
        assert.match(r.stderr, new RegExp(`remedy: Run: chmod 700 ${dir}`));
      } finally {
        fs.chmodSync(dir, 0o700);
      }
    });

    test('no secret ever left: not the Run As password, the admin password, nor the KEK', () => {
      const dir = path.join(home, 'secure-storage');
      const kek = JSON.parse(
        fs.readFileSync(path.join(dir, fs.readdirSync(dir).find((n) => n.endsWith('.key'))!), 'utf8'),
      ).kek;
      const all = transcript.join('\n');
      assert.ok(all.length > 1000, 'the transcript holds the run');
      for (const secret of [
        RUN_AS_PASSWORD,
        ADMIN_PASSWORD,
        kek,
        Buffer.from(kek, 'base64').toString('hex'),
      ]) {
        assert.ok(!all.includes(secret), 'a secret reached an output');
      }
    });
  });
}

describe('smgr CLI basics', () => {
  test('--help on every command, exit 2 on bad usage', async () => {
    const home = tempDir();
    const commands = [
      [],
      ['start'],
      ['setup'],
      ['setup', 'management-server'],
      ['serve'],
      ['status'],
      ['doctor'],
      ['promote'],
      ['key'],
      ['key', 'backup'],
      ['key', 'restore'],
      ['backup'],
      ['backup', 'create'],
      ['backup', 'list'],
      ['backup', 'verify'],
      ['restore'],
      ['restore', 'database'],
    ];
    const runs = await Promise.all(commands.map((c) => runCli([...c, '--help'], { home })));
    runs.forEach((r, i) => {
      assert.equal(r.code, 0, commands[i]!.join(' '));
      assert.match(r.stdout, new RegExp(`Usage: smgr ${commands[i]!.join(' ')}`.trim()));
    });
    const version = await runCli(['--version'], { home });
    assert.match(version.stdout, /^\d+\.\d+\.\d+$/m);
    const missing = await runCli(['backup', 'verify'], { home });
    assert.equal(missing.code, 2, 'a missing argument is bad usage');
    assert.equal((await runCli(['no-such-command'], { home })).code, 2);
    assert.equal((await runCli(['setup', 'management-server'], { home })).code, 2);
    const st = await runCli(['status'], { home });
    assert.equal(st.code, 10);
    assert.match(st.stderr, /^error: Nothing is installed in/m);
    fs.rmSync(home, { recursive: true, force: true });
  });
});

describe('smgr start (what npm start runs)', () => {
  test('first run sets up an embedded group with a generated admin password; later runs just serve', async () => {
    const root = tempDir('smgr-start-');
    const env = { home: path.join(root, 'home'), computerName: 'laptop' };
    try {
      let server = await startServe(env, [], 'start');
      const out = server.stdout();
      const password = /Administrator: admin {3}password: (\S+)/.exec(out)?.[1];
      assert.ok(password && password.length >= 20, out);
      const file = path.join(env.home, 'admin-password');
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.equal(fs.readFileSync(file, 'utf8').trim(), password);
      assert.match(out, /smgr key backup --file/);
      const login = await api(server.baseUrl, 'POST', '/api/v1/sessions', { username: 'admin', password });
      assert.equal(login.status, 201);
      assert.equal(await server.stop('SIGINT'), 0);

      server = await startServe(env, [], 'start');
      assert.doesNotMatch(server.stdout(), /Administrator:/, 'no second setup');
      assert.equal(
        (await api(server.baseUrl, 'POST', '/api/v1/sessions', { username: 'admin', password })).status,
        201,
      );
      const health = await api(server.baseUrl, 'GET', '/health');
      assert.equal(health.body.managementGroup, 'Default');
      assert.equal(await server.stop(), 0);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
