/**
 * Recovery of a management server on the same computer name (issue 3,
 * ARCHITECTURE §5), through the built CLI, on both engines: key backup,
 * loss of the computer, key restore, setup --existing-database, serve,
 * doctor — and every refusal along the way, each leaving the database and
 * secure storage as they were.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDatabase } from '../../src/db/open-database.js';
import { api, type CliEnv, jsonOut, msStatus, runCli, startServe } from '../support/cli.js';
import { ENGINES, tempDir } from '../support/engines.js';
import { ageAvailable, runAgeInPty } from '../support/key-backup.js';
import {
  dumpDatabaseAt,
  type LeftOut,
  pgDump,
  SERVER_HOUSEKEEPING,
  snapshotDir,
} from '../support/snapshot.js';

const ADMIN_PASSWORD = 'admin-pass-4c1d77';
const RUN_AS_PASSWORD = 'sql-svc-S3cret-0b9e';
const PASSPHRASE = 'key backup passphrase 42';

/** A dump to compare before/after: pg_dump for a server database, a logical dump for an embedded one. */
async function dump(url: string, leftOut: LeftOut = []): Promise<string> {
  return url.startsWith('postgres') ? pgDump(url, leftOut) : dumpDatabaseAt(url, leftOut);
}

const errorCode = (stdout: string): string => jsonOut(stdout).error;

for (const makeFixture of ENGINES) {
  const fx = makeFixture();
  describe(`recovery on the same computer name (${fx.name})`, () => {
    const root = tempDir('smgr-recovery-');
    const file = (name: string) => path.join(root, name);
    const original: CliEnv = { home: file('home-original'), computerName: 'ms01' };
    let url = '';
    let keyId = '';
    const items: Array<Record<string, unknown>> = [];
    let runAsId = '';
    fs.writeFileSync(file('admin.pw'), ADMIN_PASSWORD);
    fs.writeFileSync(file('pass'), `${PASSPHRASE}\n`);
    fs.writeFileSync(file('wrong-pass'), 'not the passphrase\n');
    fs.writeFileSync(file('short-pass'), 'short\n');

    const setupNew = (env: CliEnv, dbUrl: string, group: string) =>
      runCli(
        [
          'setup',
          'management-server',
          '--new-database',
          '--management-group',
          group,
          '--database',
          dbUrl,
          '--admin-user',
          'admin',
          '--admin-password-file',
          file('admin.pw'),
        ],
        env,
      );
    const setupExisting = (env: CliEnv, extra: string[] = []) =>
      runCli(
        ['setup', 'management-server', '--existing-database', '--database', url, '--json', ...extra],
        env,
      );

    before(async () => {
      url = fx.name === 'server' ? await fx.newDatabaseUrl() : `pglite:${file('db/ServiceManager')}`;
      const r = await setupNew(original, url, 'Contoso');
      assert.equal(r.code, 0, r.stderr);
      keyId = /Encryption key (\S+)/.exec(r.stdout)![1]!;
      const server = await startServe(original);
      const token = (
        await api(server.baseUrl, 'POST', '/api/v1/sessions', { username: 'admin', password: ADMIN_PASSWORD })
      ).body.token;
      for (let i = 0; i < 4; i++) {
        const w = await api(
          server.baseUrl,
          'POST',
          '/api/v1/work-items',
          {
            class: i % 2 ? 'service-request' : 'incident',
            title: `Item ${i}`,
            description: 'ünïcode ✓',
            properties: { n: i },
          },
          token,
        );
        items.push(w.body);
      }
      runAsId = (
        await api(
          server.baseUrl,
          'POST',
          '/api/v1/run-as-accounts',
          { name: 'sql', username: 'sa', password: RUN_AS_PASSWORD },
          token,
        )
      ).body.id;
      assert.equal(await server.stop(), 0);
    });
    after(async () => {
      await fx.cleanup();
      fs.rmSync(root, { recursive: true, force: true });
    });

    test('status and doctor warn that the key was never backed up', async () => {
      const st = await runCli(['status'], original);
      assert.match(st.stderr, new RegExp(`warning: Encryption key ${keyId} has never been backed up`));
      const doc = await runCli(['doctor', '--json'], original);
      assert.equal(doc.code, 0, doc.stdout);
      const check = jsonOut(doc.stdout).checks.find(
        (c: { name: string }) => c.name === `key backup ${keyId}`,
      );
      assert.equal(check.state, 'warn');
    });

    test('key backup: a short passphrase is refused before anything is written', async () => {
      const r = await runCli(
        ['key', 'backup', '--file', file('k-short.age'), '--password-file', file('short-pass')],
        original,
      );
      assert.equal(r.code, 2);
      assert.match(r.stderr, /shorter than 8 characters/);
      assert.equal(fs.existsSync(file('k-short.age')), false);
    });

    test('key backup writes a 0600 age file, records the time, and refuses to overwrite', async () => {
      const r = await runCli(
        ['key', 'backup', '--file', file('key.age'), '--password-file', file('pass')],
        original,
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Secure Storage Backup Complete$/m);
      assert.match(r.stdout, new RegExp(`Key: +${keyId}`));
      assert.equal(fs.statSync(file('key.age')).mode & 0o777, 0o600);
      assert.equal(fs.readFileSync(file('key.age')).subarray(0, 21).toString(), 'age-encryption.org/v1');
      const again = await runCli(
        ['key', 'backup', '--file', file('key.age'), '--password-file', file('pass')],
        original,
      );
      assert.equal(again.code, 1);
      assert.match(again.stderr, /already exists/);
      const st = await runCli(['status', '--json'], original);
      const status = jsonOut(st.stdout);
      assert.notEqual(msStatus(status).keys[0].lastBackupAt, null);
      assert.deepEqual(status.warnings, []);
    });

    test('the stock age tool decrypts the key backup file with the passphrase', (t) => {
      if (!ageAvailable()) {
        t.skip('the age command is not on PATH (apt-get install age)');
        return;
      }
      const out = file('key.json');
      const r = runAgeInPty(['-d', '-o', out, file('key.age')], `${PASSPHRASE}\n`);
      assert.equal(r.status, 0, r.output);
      const content = JSON.parse(fs.readFileSync(out, 'utf8'));
      assert.equal(content.format, 'smgr-key-backup');
      assert.equal(content.managementGroup.name, 'Contoso');
      assert.deepEqual(
        content.keys.map((k: { keyId: string }) => k.keyId),
        [keyId],
      );
      fs.rmSync(out);
    });

    test('setup --existing-database without the key: refused naming the key id; database and home unchanged', async () => {
      const env = { home: file('home-nokey'), computerName: 'ms01' };
      const before = await dump(url);
      const r = await runCli(['setup', 'management-server', '--existing-database', '--database', url], env);
      assert.equal(r.code, 13);
      assert.match(
        r.stderr,
        new RegExp(
          `^error: The encryption key ${keyId} of management group "Contoso" is not in secure storage`,
          'm',
        ),
      );
      assert.match(r.stderr, /^remedy: Restore it before setup or serve: smgr key restore --file/m);
      assert.equal(await dump(url), before);
      assert.equal(fs.existsSync(env.home), false);
    });

    test('key restore refuses a wrong passphrase, a truncated file and a flipped byte, each in its own words', async () => {
      const env = { home: file('home-bad'), computerName: 'ms01' };
      fs.mkdirSync(env.home);
      const good = fs.readFileSync(file('key.age'));
      fs.writeFileSync(file('truncated.age'), good.subarray(0, good.length - 40));
      const flipped = Buffer.from(good);
      flipped[good.length - 20]! ^= 0x01;
      fs.writeFileSync(file('flipped.age'), flipped);
      fs.writeFileSync(file('not-a-key.age'), 'hello\n');
      const cases: Array<[string, string, string, number]> = [
        ['key.age', 'wrong-pass', 'KEY_BACKUP_WRONG_PASSPHRASE', 12],
        ['truncated.age', 'pass', 'KEY_BACKUP_DAMAGED', 1],
        ['flipped.age', 'pass', 'KEY_BACKUP_DAMAGED', 1],
        ['not-a-key.age', 'pass', 'KEY_BACKUP_NOT_A_KEY_BACKUP', 1],
        ['missing.age', 'pass', 'FILE_UNREADABLE', 1],
      ];
      const messages = new Set<string>();
      for (const [f, pw, code, exit] of cases) {
        const before = snapshotDir(env.home);
        const r = await runCli(
          ['key', 'restore', '--json', '--file', file(f), '--password-file', file(pw)],
          env,
        );
        assert.equal(r.code, exit, `${f}: ${r.stdout}`);
        assert.equal(errorCode(r.stdout), code, f);
        messages.add(jsonOut(r.stdout).message);
        assert.deepEqual(snapshotDir(env.home), before, `${f}: secure storage unchanged`);
        const human = await runCli(['key', 'restore', '--file', file(f), '--password-file', file(pw)], env);
        assert.equal(human.stderr.trim().split('\n').length, 2, 'one line of cause, one of remedy');
      }
      assert.equal(messages.size, cases.length, 'each refusal has its own message');
    });

    test('setup --existing-database under the same name while the original server runs: refused', async () => {
      const env = { home: file('home-twin'), computerName: 'ms01' };
      const restored = await runCli(
        ['key', 'restore', '--file', file('key.age'), '--password-file', file('pass')],
        env,
      );
      assert.equal(restored.code, 0, restored.stderr);
      if (fx.name === 'embedded') {
        // One process per embedded database: the running server holds it.
        const server = await startServe(original);
        try {
          const r = await setupExisting(env);
          assert.equal(r.code, 11);
          assert.equal(errorCode(r.stdout), 'DATABASE_LOCKED');
        } finally {
          await server.stop();
        }
        return;
      }
      const server = await startServe(original);
      try {
        // The live server heartbeats, renews its lease and runs its workflows meanwhile: leave those out.
        const before = await dump(url, SERVER_HOUSEKEEPING);
        const r = await setupExisting(env);
        assert.equal(r.code, 1);
        assert.equal(errorCode(r.stdout), 'SERVER_NAME_IN_USE');
        assert.match(jsonOut(r.stdout).message, /"ms01" is still alive/);
        assert.match(jsonOut(r.stdout).message, /It counts as gone \d+ s from now/);
        // --wait: the server heartbeats again (every 5 s) while setup waits, so it is running: refused.
        const waited = await setupExisting(env, ['--wait']);
        assert.equal(waited.code, 1, waited.stderr);
        assert.match(waited.stdout, /"type":"notice","message":"ms01 last heartbeated at \S+: waiting \d+ s/);
        assert.equal(errorCode(waited.stdout), 'SERVER_NAME_IN_USE');
        assert.equal(await dump(url, SERVER_HOUSEKEEPING), before);
        assert.equal(fs.existsSync(path.join(env.home, 'config.json')), false);
      } finally {
        await server.stop();
      }
    });

    test('the computer is lost; key restore, setup --existing-database, serve: everything is back', async () => {
      fs.rmSync(original.home, { recursive: true, force: true }); // disk died: secure storage and config gone
      const env = { home: file('home-rebuilt'), computerName: 'ms01' };
      const restored = await runCli(
        ['key', 'restore', '--file', file('key.age'), '--password-file', file('pass')],
        env,
      );
      assert.equal(restored.code, 0, restored.stderr);
      assert.match(restored.stdout, /^Secure Storage Key Restore Complete$/m);
      assert.match(restored.stdout, new RegExp(`Restored: +${keyId}`));

      const setup = await runCli(
        ['setup', 'management-server', '--existing-database', '--database', url],
        env,
      );
      assert.equal(setup.code, 0, setup.stderr);
      assert.match(setup.stdout, /role workflow/);

      const server = await startServe(env);
      try {
        const token = (
          await api(server.baseUrl, 'POST', '/api/v1/sessions', {
            username: 'admin',
            password: ADMIN_PASSWORD,
          })
        ).body.token;
        for (const item of items) {
          const got = await api(server.baseUrl, 'GET', `/api/v1/work-items/${item.id}`, undefined, token);
          assert.deepEqual(got.body, item);
        }
        const list = await api(server.baseUrl, 'GET', '/api/v1/work-items?limit=100', undefined, token);
        assert.equal(list.body.items.length, items.length);
        const v = await api(
          server.baseUrl,
          'POST',
          `/api/v1/run-as-accounts/${runAsId}/verify`,
          { password: RUN_AS_PASSWORD },
          token,
        );
        assert.deepEqual(v.body, { matches: true });
        const doctor = await runCli(['doctor', '--json'], env); // through the admin channel
        assert.equal(doctor.code, 0, doctor.stdout);
        const report = jsonOut(doctor.stdout);
        assert.deepEqual(
          report.checks.filter((c: { state: string }) => c.state !== 'pass'),
          [],
        );
        assert.match(JSON.stringify(report), /1 of 1 sealed values open/);
      } finally {
        assert.equal(await server.stop(), 0);
      }
      original.home = env.home;
    });

    test("another group's key file: setup names the key it needs; restoring over this group's key needs --force", async () => {
      const other: CliEnv = { home: file('home-other-group'), computerName: 'ms77' };
      const otherUrl =
        fx.name === 'server' ? await fx.newDatabaseUrl() : `pglite:${file('db-other/ServiceManager')}`;
      assert.equal((await setupNew(other, otherUrl, 'Fabrikam')).code, 0);
      assert.equal(
        (await runCli(['key', 'backup', '--file', file('other.age'), '--password-file', file('pass')], other))
          .code,
        0,
      );

      const empty = { home: file('home-wrong-key'), computerName: 'ms01' };
      assert.equal(
        (
          await runCli(
            ['key', 'restore', '--file', file('other.age'), '--password-file', file('pass')],
            empty,
          )
        ).code,
        0,
      );
      const before = await dump(url);
      const r = await setupExisting(empty);
      assert.equal(r.code, 13);
      assert.equal(errorCode(r.stdout), 'KEY_MISSING');
      assert.match(jsonOut(r.stdout).message, new RegExp(keyId));
      assert.equal(await dump(url), before);

      const storage = path.join(original.home, 'secure-storage');
      const beforeStorage = snapshotDir(storage);
      const refused = await runCli(
        ['key', 'restore', '--json', '--file', file('other.age'), '--password-file', file('pass')],
        original,
      );
      assert.equal(refused.code, 1);
      assert.equal(errorCode(refused.stdout), 'KEY_RESTORE_CONFLICT');
      assert.deepEqual(snapshotDir(storage), beforeStorage);
      const forced = await runCli(
        ['key', 'restore', '--force', '--file', file('other.age'), '--password-file', file('pass')],
        original,
      );
      assert.equal(forced.code, 0, forced.stderr);
      const kept = fs.readdirSync(storage).filter((n) => n.startsWith(`${keyId}.key.replaced-`));
      assert.equal(kept.length, 1, 'the replaced key is kept, dated');
      // Put the group's own key back for the next test.
      const back = await runCli(
        ['key', 'restore', '--force', '--file', file('key.age'), '--password-file', file('pass')],
        original,
      );
      assert.equal(back.code, 0, back.stderr);
    });

    test('doctor names a sealed value that no longer opens, and fails', async () => {
      const db = await openDatabase(url);
      try {
        await db.query(
          `INSERT INTO run_as_accounts (id, name, username, password_sealed, key_id)
           SELECT gen_random_uuid(), 'copied', username, password_sealed, key_id FROM run_as_accounts WHERE id = $1`,
          [runAsId],
        );
      } finally {
        await db.close();
      }
      const r = await runCli(['doctor'], original);
      assert.equal(r.code, 1, r.stdout);
      assert.match(
        r.stdout,
        /FAIL {2}sealed values: 1 of 2 sealed values open; these do not: run_as_accounts \S+ \(copied\)/,
      );
    });
  });
}
