/**
 * `smgr recover` end to end from the built CLI, on both engines (issue 13
 * item 1): every preflight refusal writes nothing anywhere (home, secure
 * storage, database); --dry-run writes nothing; the database-intact and the
 * everything-lost recoveries each end with doctor passing and the work items
 * of their source; --json gives the plan, the preflight, progress and the
 * result last.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { api, CLI, type CliEnv, jsonOut, runCli, startServe } from '../support/cli.js';
import { admin, ENGINES, tempDir } from '../support/engines.js';
import { DEADLINE_MS } from '../support/eventually.js';
import { withDb } from '../support/group.js';
import {
  ADMIN_PASSWORD,
  dump,
  freePort,
  makeRecoverFixture,
  type RecoverFixture,
  workItems,
} from '../support/recover-fixture.js';
import { snapshotDir } from '../support/snapshot.js';

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const lines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

for (const makeFixture of ENGINES) {
  const fx = makeFixture();
  describe(`smgr recover (${fx.name})`, () => {
    const root = tempDir('smgr-recover-');
    let f: RecoverFixture;
    let otherKeys = '';
    let targets = 0;

    before(async () => {
      f = await makeRecoverFixture(fx, root);
      // Another group's key backup file.
      const other = { home: f.file('home-other'), computerName: 'ms77' };
      const otherUrl = fx.name === 'server' ? await fx.newDatabaseUrl() : `pglite:${f.file('db-other/SM')}`;
      const s = await runCli(
        [
          'setup',
          'management-server',
          '--new-database',
          '--management-group',
          'Fabrikam',
          '--database',
          otherUrl,
        ].concat(['--admin-user', 'admin', '--admin-password-file', f.file('admin.pw')]),
        other,
      );
      assert.equal(s.code, 0, s.stderr);
      otherKeys = f.file('other.age');
      const b = await runCli(['key', 'backup', '--file', otherKeys, '--password-file', f.passFile], other);
      assert.equal(b.code, 0, b.stderr);
      fs.rmSync(f.original.home, { recursive: true, force: true }); // the computer is lost
    });
    after(async () => {
      await fx.cleanup();
      fs.rmSync(root, { recursive: true, force: true });
    });

    const recover = async (env: CliEnv, args: string[]) =>
      runCli(['--json', 'recover', '--yes', '--listen', `127.0.0.1:${await freePort()}`, ...args], env);

    /** Runs a recover that must be refused with `code`; nothing is written: no home, the databases as they were. */
    async function refused(name: string, args: string[], code: string | RegExp, dbs: string[]) {
      const env = { home: f.file(`home-${name}`) };
      const before = await Promise.all(dbs.map((u) => dump(u)));
      const r = await recover(env, args);
      const last = jsonOut(r.stdout);
      assert.equal(last.ok, false, `${name}: ${r.stdout}`);
      if (typeof code === 'string') assert.equal(last.error, code, name);
      else assert.match(last.error, code, name);
      assert.ok(last.remedy, 'a remedy');
      assert.equal(
        fs.existsSync(env.home),
        false,
        `${name}: the home (and its secure storage) was not written`,
      );
      assert.deepEqual(await Promise.all(dbs.map((u) => dump(u))), before, `${name}: databases unchanged`);
      assert.doesNotMatch(r.stdout + r.stderr, /AGE-SECRET-KEY|at .*\.js:\d+/, 'no secret, no stack trace');
      return r;
    }

    test('refused before any write: wrong passphrase', async () => {
      fs.writeFileSync(f.file('wrong'), 'not the passphrase\n');
      const r = await refused(
        'wrong-pass',
        ['--key-file', f.keyFile, '--password-file', f.file('wrong'), '--database', f.url],
        'KEY_BACKUP_WRONG_PASSPHRASE',
        [f.url],
      );
      assert.equal(r.code, 12);
    });

    test("refused before any write: another group's key file against the intact database", async () => {
      const r = await refused(
        'other-key',
        ['--key-file', otherKeys, '--password-file', f.passFile, '--database', f.url],
        'RECOVER_OTHER_GROUP',
        [f.url],
      );
      assert.match(jsonOut(r.stdout).message, /"Fabrikam".*"Contoso"/);
      const pre = lines(r.stdout).find((l) => l.type === 'preflight');
      assert.equal(pre.ok, false);
      assert.equal(pre.checks.find((c: { ok: boolean }) => !c.ok).error, 'RECOVER_OTHER_GROUP');
    });

    test("refused before any write: an archive of another group than the key file's", async () => {
      const target = fx.name === 'server' ? await fx.newDatabaseUrl() : `pglite:${f.file('db-t1/SM')}`;
      await refused(
        'other-archive',
        ['--key-file', otherKeys, '--password-file', f.passFile, '--from', f.archive, '--database', target],
        /^ARCHIVE_(WRONG_IDENTITY|OTHER_GROUP)$/,
        fx.name === 'server' ? [target] : [],
      );
      if (fx.name === 'embedded') assert.equal(fs.existsSync(f.file('db-t1')), false, 'no target created');
    });

    test('refused before any write: a corrupted archive', async () => {
      const bad = Buffer.from(fs.readFileSync(f.archive));
      bad[Math.floor(bad.length / 2)]! ^= 0x40;
      fs.writeFileSync(f.file('corrupt.smbak'), bad);
      const target = fx.name === 'server' ? await fx.newDatabaseUrl() : `pglite:${f.file('db-t2/SM')}`;
      await refused(
        'corrupt',
        [
          '--key-file',
          f.keyFile,
          '--password-file',
          f.passFile,
          '--from',
          f.file('corrupt.smbak'),
          '--database',
          target,
        ],
        /^ARCHIVE_/,
        fx.name === 'server' ? [target] : [],
      );
      if (fx.name === 'embedded') assert.equal(fs.existsSync(f.file('db-t2')), false, 'no target created');
    });

    test('refused before any write: the computer name is live (heartbeat) in the intact database', async () => {
      await withDb(f.url, (db) =>
        db.query(
          `UPDATE computers SET last_heartbeat = now(), stopped_at = NULL WHERE computer_name = 'ms01'`,
        ),
      );
      try {
        const r = await refused(
          'live',
          ['--key-file', f.keyFile, '--password-file', f.passFile, '--database', f.url],
          'SERVER_NAME_IN_USE',
          [f.url],
        );
        assert.match(jsonOut(r.stdout).message, /"ms01" is still alive/);
      } finally {
        await withDb(f.url, (db) =>
          db.query(`UPDATE computers SET stopped_at = now() WHERE computer_name = 'ms01'`),
        );
      }
    });

    test('refused before any write: --from into a database that is not empty', async () => {
      await refused(
        'not-empty',
        ['--key-file', f.keyFile, '--password-file', f.passFile, '--from', f.archive, '--database', f.url],
        'RECOVER_TARGET_NOT_EMPTY',
        [f.url],
      );
    });

    test("refused before any write: secure storage here holds another group's key", async () => {
      const env = { home: f.file('home-conflict') };
      const r0 = await runCli(['key', 'restore', '--file', otherKeys, '--password-file', f.passFile], env);
      assert.equal(r0.code, 0, r0.stderr);
      const home = snapshotDir(env.home);
      const db = await dump(f.url);
      const r = await recover(env, [
        '--key-file',
        f.keyFile,
        '--password-file',
        f.passFile,
        '--database',
        f.url,
      ]);
      assert.equal(jsonOut(r.stdout).error, 'KEY_RESTORE_CONFLICT', r.stdout);
      assert.deepEqual(snapshotDir(env.home), home, 'home and secure storage unchanged');
      assert.equal(await dump(f.url), db);
    });

    test('refused before any write: no --yes and no terminal; --dry-run prints the plan and preflight only', async () => {
      const env = { home: f.file('home-dry') };
      const args = ['--key-file', f.keyFile, '--password-file', f.passFile, '--database', f.url];
      const before = await dump(f.url);
      const noYes = await runCli(
        ['--json', 'recover', '--listen', `127.0.0.1:${await freePort()}`, ...args],
        env,
      );
      assert.equal(noYes.code, 2);
      assert.equal(jsonOut(noYes.stdout).error, 'RECOVER_NOT_CONFIRMED');
      const dry = await runCli(
        ['--json', 'recover', '--dry-run', '--listen', `127.0.0.1:${await freePort()}`, ...args],
        env,
      );
      assert.equal(dry.code, 0, dry.stdout);
      const out = lines(dry.stdout);
      assert.deepEqual(
        out.map((l) => l.type ?? 'result'),
        ['plan', 'preflight', 'result'],
      );
      assert.deepEqual(
        out[0].steps.map((s: { id: string }) => s.id),
        ['keys', 'management-server:setup', 'doctor'],
      );
      assert.ok(out[1].checks.every((c: { ok: boolean }) => c.ok));
      assert.equal(out[2].dryRun, true);
      assert.equal(fs.existsSync(env.home), false);
      assert.equal(await dump(f.url), before);
    });

    test('the database is intact: recover with the key file and --database; doctor passes; the work items are there', async () => {
      const env = { home: f.file('home-intact') };
      const now = await workItems(f.url);
      const r = await recover(env, [
        '--key-file',
        f.keyFile,
        '--password-file',
        f.passFile,
        '--database',
        f.url,
      ]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const result = jsonOut(r.stdout);
      assert.equal(result.computerName, 'ms01', 'the key file names the computer');
      assert.equal(result.doctor.ok, true);
      assert.deepEqual(
        result.steps.map((s: { id: string }) => s.id),
        ['keys', 'management-server:setup', 'doctor'],
      );
      assert.deepEqual(await workItems(f.url), now);
      const doctor = await runCli(['doctor', '--json'], env);
      assert.equal(doctor.code, 0, doctor.stdout);
      // A second run finds every step done and runs doctor again, writing nothing else.
      const again = await recover(env, [
        '--key-file',
        f.keyFile,
        '--password-file',
        f.passFile,
        '--database',
        f.url,
      ]);
      assert.equal(again.code, 0, again.stdout);
      assert.deepEqual(
        jsonOut(again.stdout).steps.map((s: { skipped: boolean }) => s.skipped),
        [true, true, false],
      );
      fs.rmSync(env.home, { recursive: true, force: true });
    });

    test('restore database shows progress: JSON lines with the result last, a line per table off a terminal, a bar on one', async () => {
      const env = { home: f.file('home-progress') };
      const target = () =>
        fx.name === 'server'
          ? fx.newDatabaseUrl()
          : Promise.resolve(`pglite:${f.file(`db-p${++targets}/SM`)}`);
      const keys = ['--key-file', f.keyFile, '--password-file', f.passFile];
      const json = await runCli(
        ['--json', 'restore', 'database', '--from', f.archive, '--database', await target(), ...keys],
        env,
      );
      assert.equal(json.code, 0, json.stdout);
      const out = lines(json.stdout);
      const result = out.at(-1);
      assert.equal(result.ok, true);
      const done = out.filter((l) => l.type === 'progress' && l.phase === 'table' && l.tableDone);
      assert.ok(done.length > 0 && done.length <= result.tables.length, `${done.length} tables reported`);
      assert.ok(out.slice(0, -1).every((l) => l.type === 'progress'));

      const human = await runCli(
        ['restore', 'database', '--from', f.archive, '--database', await target(), ...keys],
        env,
      );
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stderr, /^\d+\/\d+ tables {2}ServiceManager\.work_items: 5 rows/m);

      const pty = spawnSync(
        'script',
        [
          '-qec',
          [
            process.execPath,
            CLI,
            'restore',
            'database',
            '--from',
            f.archive,
            '--database',
            await target(),
            ...keys,
          ]
            .map(q)
            .join(' '),
          '/dev/null',
        ],
        { env: { ...process.env, SMGR_HOME: env.home }, encoding: 'utf8', timeout: DEADLINE_MS },
      );
      assert.equal(pty.status, 0, pty.stdout);
      assert.match(pty.stdout, /\r\x1b\[2K\[#+\.*\] \d+\/\d+ tables/, 'a bar redrawn in place');
    });

    test('everything lost: recover --from on a new home; doctor passes; the work items are those of the archive', async () => {
      let target: string;
      if (fx.name === 'server') {
        target = f.url; // the database is dropped, and made again empty (createdb)
        const name = new URL(f.url).pathname.slice(1);
        await admin(`DROP DATABASE ${name} WITH (FORCE)`);
        await admin(`CREATE DATABASE ${name}`);
      } else {
        fs.rmSync(f.file('db'), { recursive: true, force: true });
        target = `pglite:${f.file('home-rebuilt/databases/ServiceManager')}`;
      }
      const env = { home: f.file('home-rebuilt') };
      const args = ['--key-file', f.keyFile, '--password-file', f.passFile, '--from', f.archive];
      const r = await recover(env, fx.name === 'server' ? [...args, '--database', target] : args);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const out = lines(r.stdout);
      assert.equal(out[0].type, 'plan');
      assert.deepEqual(
        out[0].steps.map((s: { id: string }) => s.id),
        ['keys', 'management-server:restore-database', 'management-server:setup', 'doctor'],
      );
      const progress = out.filter((l) => l.type === 'progress');
      assert.ok(
        progress.some((p) => p.phase === 'table' && p.tableDone),
        'restore tables reported',
      );
      assert.deepEqual(
        progress.filter((p) => p.recoveryStep?.state === 'done').map((p) => p.recoveryStep.id),
        ['keys', 'management-server:restore-database', 'management-server:setup', 'doctor'],
      );
      const result = out.at(-1);
      assert.equal(result.ok, true);
      assert.equal(result.doctor.ok, true, JSON.stringify(result.doctor.checks));
      assert.deepEqual(await workItems(target), f.itemsAtArchive);

      const server = await startServe({ home: env.home });
      try {
        const token = (
          await api(server.baseUrl, 'POST', '/api/v1/sessions', {
            username: 'admin',
            password: ADMIN_PASSWORD,
          })
        ).body.token;
        const list = await api(server.baseUrl, 'GET', '/api/v1/work-items?limit=100', undefined, token);
        assert.equal(list.body.items.length, f.itemsAtArchive.length);
        const doctor = await runCli(['doctor', '--json'], { home: env.home });
        assert.equal(doctor.code, 0, doctor.stdout);
        assert.deepEqual(
          jsonOut(doctor.stdout).checks.filter((c: { state: string }) => c.state !== 'pass'),
          [],
        );
      } finally {
        assert.equal(await server.stop(), 0);
      }
    });
  });
}
