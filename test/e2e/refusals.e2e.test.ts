/**
 * CLI refusals not covered elsewhere, through the built CLI: each answers its
 * own code and message, and leaves the home (and the database) as they were.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDatabase } from '../../src/db/open-database.js';
import { type CliEnv, jsonOut, runCli } from '../support/cli.js';
import { POSTGRES_URL, serverFixture, tempDir } from '../support/engines.js';
import { dumpDatabaseAt, snapshotDir } from '../support/snapshot.js';

const refusal = (stdout: string) =>
  (({ error, message, remedy }) => ({ code: error, message, remedy }))(jsonOut(stdout)) as {
    code: string;
    message: string;
    remedy: string;
  };

describe('CLI refusals change nothing', () => {
  const fx = serverFixture();
  const root = tempDir('smgr-refuse-');
  const pw = path.join(root, 'pw');
  const env: CliEnv = { home: path.join(root, 'home'), computerName: 'ms01' };
  let url = '';
  before(async () => {
    fs.writeFileSync(pw, 'admin-pass-0c0c0c\n');
    url = await fx.newDatabaseUrl();
    const r = await runCli(
      [
        'setup',
        'management-server',
        '--new-database',
        '--management-group',
        'G',
        '--database',
        url,
        '--admin-user',
        'admin',
        '--admin-password-file',
        pw,
      ],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await fx.cleanup();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const setupNew = (home: string, database: string) =>
    runCli(
      [
        'setup',
        'management-server',
        '--json',
        '--new-database',
        '--management-group',
        'H',
        '--database',
        database,
        '--admin-user',
        'admin',
        '--admin-password-file',
        pw,
      ],
      { home, computerName: 'ms09' },
    );

  test('database URLs: a password in the URL, an unknown scheme, an unreachable database', async () => {
    const home = path.join(root, 'fresh');
    const withPassword = POSTGRES_URL.replace('postgres@', 'postgres:S3cretPw@');
    const cases: Array<[string, string, number]> = [
      [withPassword, 'DATABASE_URL_HAS_PASSWORD', 2],
      ['mysql://root@localhost/db', 'DATABASE_URL_INVALID', 2],
      [url.replace(/\/[^/]+$/, '/smgr_no_such_database'), 'DATABASE_UNREACHABLE', 1],
    ];
    for (const [database, code, exit] of cases) {
      const r = await setupNew(home, database);
      assert.equal(r.code, exit, r.stdout);
      assert.equal(refusal(r.stdout).code, code);
      assert.ok(!r.stdout.includes('S3cretPw'), 'the password is not echoed');
      assert.equal(fs.existsSync(home), false, `${code}: nothing created`);
    }
  });

  test('no password file and no terminal: asked for --admin-password-file, nothing created', async () => {
    const home = path.join(root, 'no-tty');
    const r = await runCli(
      [
        'setup',
        'management-server',
        '--json',
        '--new-database',
        '--management-group',
        'H',
        '--admin-user',
        'a',
      ],
      { home, computerName: 'ms09' },
    );
    assert.equal(r.code, 2);
    const e = refusal(r.stdout);
    assert.equal(e.code, 'PASSWORD_REQUIRED');
    assert.match(e.remedy, /--admin-password-file FILE/);
    assert.equal(fs.existsSync(home), false);
  });

  test('a computer name other than the one this home was set up for', async () => {
    const before = snapshotDir(env.home, ['databases']);
    const r = await runCli(['status', '--json'], { home: env.home, computerName: 'ms02' });
    assert.equal(r.code, 1);
    const e = refusal(r.stdout);
    assert.equal(e.code, 'COMPUTER_NAME_MISMATCH');
    assert.match(e.remedy, /--computer-name ms01/);
    assert.deepEqual(snapshotDir(env.home, ['databases']), before);
  });

  test('serve checks before it writes: a group awaiting its backup recipient, a port in use — nothing written', async () => {
    // A group made before backup recipients existed gets one when serve starts; a refused start must not.
    const identity = fs
      .readdirSync(path.join(env.home, 'secure-storage'))
      .find((f) => f.startsWith('backup-'))!;
    const aside = path.join(root, identity);
    fs.renameSync(path.join(env.home, 'secure-storage', identity), aside);
    const db = await openDatabase(url);
    const recipient = (await db.query<{ r: string }>('SELECT backup_recipient AS r FROM management_group'))
      .rows[0]!.r;
    await db.query('UPDATE management_group SET backup_recipient = NULL');
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const before = await dumpDatabaseAt(url);
      const home = snapshotDir(env.home);
      const r = await runCli(['serve', '--json', '--listen', `127.0.0.1:${port}`], env);
      assert.equal(r.code, 1);
      assert.equal(refusal(r.stdout).code, 'LISTEN_FAILED');
      assert.equal(await dumpDatabaseAt(url), before, 'no migration, no recipient, no heartbeat');
      assert.deepEqual(snapshotDir(env.home), home, 'no backup identity created');
    } finally {
      busy.close();
      await db.query('UPDATE management_group SET backup_recipient = $1', [recipient]);
      await db.close();
      fs.renameSync(aside, path.join(env.home, 'secure-storage', identity));
    }
  });

  test('a port in use: LISTEN_FAILED, and the registration does not heartbeat', async () => {
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const before = await dumpDatabaseAt(url);
      const r = await runCli(['serve', '--json', '--listen', `127.0.0.1:${port}`], env);
      assert.equal(r.code, 1);
      assert.equal(refusal(r.stdout).code, 'LISTEN_FAILED');
      assert.equal(await dumpDatabaseAt(url), before);
      assert.equal(fs.existsSync(path.join(env.home, 'server.pid')), false, 'the pid lock is released');
    } finally {
      busy.close();
    }
  });

  test('verify without any backup identity names what to pass', async () => {
    const home = path.join(root, 'empty-home');
    fs.mkdirSync(home);
    const archive = path.join(root, 'x.smbak');
    fs.writeFileSync(archive, 'not read');
    const r = await runCli(['backup', 'verify', '--json', archive], { home, computerName: 'ms09' });
    assert.equal(r.code, 1);
    const e = refusal(r.stdout);
    assert.equal(e.code, 'BACKUP_IDENTITY_MISSING');
    assert.match(e.remedy, /--key-file/);
    assert.deepEqual(fs.readdirSync(home), []);
  });
});
