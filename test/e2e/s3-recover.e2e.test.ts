/**
 * `smgr recover --from s3://BUCKET/KEY.smbak` on both engines (issue 13
 * items 1 and 3), against a real local s3rver, credentials from the SDK's
 * standard chain (environment): the archive is verified in the bucket and
 * restored from it, streamed, with no local copy; a missing object, wrong
 * credentials or an archive of another group are refused before anything is
 * written (no home, no secure storage, the databases and the bucket as they
 * were); kill -9 during the restore step, then the same command again,
 * resumes and ends recovered; every reader mark (docs/FORMAT.md §5) of a
 * run that ended is gone from the bucket.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI, type CliEnv, jsonOut, runCli } from '../support/cli.js';
import { ENGINES, tempDir } from '../support/engines.js';
import { type LocalS3, startLocalS3 } from '../support/local-s3.js';
import {
  dump,
  freePort,
  makeRecoverFixture,
  type RecoverFixture,
  workItems,
} from '../support/recover-fixture.js';
import { snapshotDir } from '../support/snapshot.js';

const BUCKET = 'smgr-recover';

/** The reader marks (FORMAT §5) in the store: files of s3rver's directory named after them. */
function readerMarks(store: string): string[] {
  return fs
    .readdirSync(store, { recursive: true, encoding: 'utf8' })
    .filter((n) => /\.smbak\.reader-[0-9a-f]{16}\._S3rver_object$/.test(n))
    .sort();
}

const lines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

for (const makeFixture of ENGINES) {
  const fx = makeFixture();
  describe(`smgr recover --from s3:// (${fx.name})`, () => {
    const root = tempDir('smgr-s3r-');
    const store = path.join(root, 's3');
    let s3: LocalS3;
    let env: Record<string, string> = {};
    let f: RecoverFixture;
    let otherKeys = '';
    let archiveUrl = '';

    before(async () => {
      s3 = await startLocalS3(store, BUCKET);
      env = s3.env;
      f = await makeRecoverFixture(fx, root);
      const up = await runCli(
        ['--json', 'backup', 'upload', f.archive, '--to', `s3://${BUCKET}/${fx.name}`],
        { ...f.original, env },
      );
      assert.equal(up.code, 0, up.stdout + up.stderr);
      archiveUrl = jsonOut(up.stdout).url;
      fs.rmSync(path.dirname(f.archive), { recursive: true, force: true }); // only the bucket has it now
      // Another group's key backup file.
      const other = { home: f.file('home-other'), computerName: 'ms77' };
      const otherUrl = fx.name === 'server' ? await fx.newDatabaseUrl() : `pglite:${f.file('db-other/SM')}`;
      const s = await runCli(
        ['setup', 'management-server', '--new-database', '--management-group', 'Fabrikam'].concat([
          '--database',
          otherUrl,
          '--admin-user',
          'admin',
          '--admin-password-file',
          f.file('admin.pw'),
        ]),
        other,
      );
      assert.equal(s.code, 0, s.stderr);
      otherKeys = f.file('other.age');
      const b = await runCli(['key', 'backup', '--file', otherKeys, '--password-file', f.passFile], other);
      assert.equal(b.code, 0, b.stderr);
      fs.rmSync(f.original.home, { recursive: true, force: true }); // the computer is lost
    });
    after(async () => {
      await s3?.close();
      await fx.cleanup();
      fs.rmSync(root, { recursive: true, force: true });
    });

    const target = async (tag: string) =>
      fx.name === 'server'
        ? await fx.newDatabaseUrl()
        : `pglite:${f.file(`home-${tag}/databases/ServiceManager`)}`;
    const args = async (tag: string, from: string, keyFile = f.keyFile) => [
      '--json',
      'recover',
      '--yes',
      '--listen',
      `127.0.0.1:${await freePort()}`,
      '--key-file',
      keyFile,
      '--password-file',
      f.passFile,
      '--from',
      from,
      '--database',
      await target(tag),
    ];

    test('refused before any write: a missing object, wrong credentials, an archive of another group', async () => {
      const wrongKey = {
        ...env,
        AWS_ACCESS_KEY_ID: 'NOT-A-KEY-ID',
        AWS_SECRET_ACCESS_KEY: 'not-the-secret-42',
      };
      const cases: Array<[string, string, string | undefined, Record<string, string>, RegExp]> = [
        [
          'missing',
          archiveUrl.replace(/\d{8}T\d{6}Z/, '20200101T000000Z'),
          undefined,
          env,
          /^S3_OBJECT_NOT_FOUND$/,
        ],
        ['denied', archiveUrl, undefined, wrongKey, /^S3_ACCESS_DENIED$/],
        ['other-group', archiveUrl, otherKeys, env, /^ARCHIVE_(WRONG_IDENTITY|OTHER_GROUP)$/],
      ];
      for (const [tag, from, keyFile, who, code] of cases) {
        const home = f.file(`home-${tag}`);
        const a = await args(tag, from, keyFile);
        const dbs = fx.name === 'server' ? [a.at(-1)!] : [];
        const before = await Promise.all(dbs.map((u) => dump(u)));
        const store0 = snapshotDir(store);
        const r = await runCli(a, { home, computerName: 'ms01', env: who });
        assert.equal(r.code === 0, false, `${tag}: ${r.stdout}`);
        const last = jsonOut(r.stdout);
        assert.equal(last.ok, false, `${tag}: ${r.stdout}`);
        assert.match(last.error, code, `${tag}: ${r.stdout}`);
        assert.ok(last.remedy, `${tag}: a remedy`);
        assert.equal(fs.existsSync(home), false, `${tag}: no home, no secure storage written`);
        assert.deepEqual(await Promise.all(dbs.map((u) => dump(u))), before, `${tag}: databases unchanged`);
        assert.deepEqual(snapshotDir(store), store0, `${tag}: the bucket unchanged (no mark left)`);
        assert.doesNotMatch(
          r.stdout + r.stderr,
          /not-the-secret-42|NOT-A-KEY-ID|AGE-SECRET-KEY|at .*\.js:\d+/,
        );
      }
    });

    test('kill -9 during the restore from the bucket, the same command again: recovered, doctor passes', async () => {
      const home = f.file('home-rebuilt');
      const a = await args('rebuilt', archiveUrl);
      const who: CliEnv = { home, computerName: 'ms01', env };
      // First run: killed as the restore step reports its first table.
      const killed = await new Promise<{ signal: NodeJS.Signals | null; stdout: string }>(
        (resolve, reject) => {
          const child = spawn(process.execPath, [CLI, ...a], {
            env: { ...process.env, SMGR_HOME: home, SMGR_COMPUTER_NAME: 'ms01', ...env },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let stdout = '';
          let step = '';
          child.stdout.on('data', (d: Buffer) => {
            stdout += d;
            for (const l of stdout.split('\n').slice(0, -1)) {
              const e = JSON.parse(l);
              if (e.recoveryStep) step = e.recoveryStep.id;
              if (step === 'management-server:restore-database' && e.phase === 'table') child.kill('SIGKILL');
            }
          });
          child.on('error', reject);
          child.on('exit', (_code, signal) => resolve({ signal, stdout }));
        },
      );
      assert.equal(killed.signal, 'SIGKILL', `killed during the restore: ${killed.stdout}`);
      const seen = killed.stdout
        .split('\n')
        .slice(0, -1) // a line cut by the kill is left out
        .map((l) => JSON.parse(l));
      assert.ok(
        seen.some((l) => /^downloaded .* from s3:/.test(l.message ?? '')),
        'the archive was streamed from the bucket',
      );
      const marksAfterKill = readerMarks(store);
      assert.ok(marksAfterKill.length <= 1, `at most the killed reader's mark: ${marksAfterKill}`);

      const r = await runCli(a, who);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const out = lines(r.stdout);
      assert.equal(out[0].type, 'plan');
      assert.equal(out[0].resumed, true, 'resumes the interrupted run');
      assert.equal(out[0].archive, archiveUrl);
      const result = out.at(-1);
      assert.equal(result.ok, true, r.stdout);
      assert.equal(result.doctor.ok, true, JSON.stringify(result.doctor.checks));
      assert.deepEqual(await workItems(a.at(-1)!), f.itemsAtArchive);
      assert.deepEqual(readerMarks(store), marksAfterKill, 'the rerun left no reader mark of its own');
      const local = fs
        .readdirSync(home, { recursive: true, encoding: 'utf8' })
        .filter((n) => /\.smbak(\.partial)?$/.test(n));
      assert.deepEqual(local, [], 'no local copy of the archive');
    });
  });
}
