/**
 * Issue 9's "What must show", on both engines, two computers (two homes): a
 * Service Manager group and a DW group; register; 500 work items with
 * changes; extract; the DW computer lost (its home deleted, secure storage
 * with it); recovered under the same name with the key backup file
 * (key restore → setup data-warehouse --existing-database → serve); 100 more
 * changes; extract; the staging tables hold every change exactly once,
 * compared with the management server's changes and history.
 *
 * The DW's databases survive the computer: on the server engine they are
 * PostgreSQL databases; on the embedded engine they live on a disk outside
 * the lost home (pglite:<path>). Losing the databases too is the archive's
 * part (backup create / restore database), not this test's.
 * Also: without the key, setup --existing-database refuses and changes nothing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CliEnv, jsonOut, runCli, type ServeHandle, startServe } from '../support/cli.js';
import {
  assertStagedExactlyOnce,
  DW_PASSWORD,
  type DwUrls,
  extractUntil,
  makeChanges,
  newDwUrls,
  passwordFile,
  refusal,
  servedManagementServer,
  setupDw,
  signIn,
  snapshotAll,
} from '../support/dw.js';
import { ENGINES, tempDir } from '../support/engines.js';

const ADMIN_PASSWORD = 'sm-admin-pass-e2e9';
const PASSPHRASE = 'dw key passphrase 42';
/** 500 as the issue asks on the server; 200 on the embedded engine, whose API is several times slower here. */
const workItems = (engine: string) =>
  Number(process.env.SMGR_DW_E2E_ITEMS ?? (engine === 'server' ? 500 : 200));

for (const makeFixture of ENGINES) {
  const fx = makeFixture();
  describe(`data warehouse lost and recovered under the same name (${fx.name})`, () => {
    const root = tempDir('smgr-dw-e2e-');
    const smPw = passwordFile(root, ADMIN_PASSWORD);
    const passphrase = passwordFile(root, PASSPHRASE);
    const keyFile = path.join(root, 'off-computer', 'dw01.smkey');
    const dw: CliEnv = { home: path.join(root, 'dw01-home'), computerName: 'dw01' };
    let sm: Awaited<ReturnType<typeof servedManagementServer>>;
    let urls: DwUrls;
    let dwServer: ServeHandle | undefined;
    before(async () => {
      sm = await servedManagementServer(fx, root, 'Contoso SM', 'ms01', smPw);
      urls =
        fx.name === 'server'
          ? await newDwUrls(fx)
          : {
              staging: `pglite:${path.join(root, 'dw-disk', 'DWStagingAndConfig')}`,
              repository: `pglite:${path.join(root, 'dw-disk', 'DWRepository')}`,
              datamart: `pglite:${path.join(root, 'dw-disk', 'DWDataMart')}`,
            };
      fs.mkdirSync(path.dirname(keyFile), { recursive: true });
    });
    after(async () => {
      await dwServer?.stop();
      if (sm?.server.child.exitCode === null) await sm.server.stop();
      await fx.cleanup();
      fs.rmSync(root, { recursive: true, force: true });
    });

    test('register, extract, lose the DW computer, recover with the key backup file, extract: every change once', async () => {
      await setupDw(dw, 'Contoso DW', urls, passwordFile(root, DW_PASSWORD));
      const kb = await runCli(
        ['key', 'backup', '--json', '--file', keyFile, '--password-file', passphrase],
        dw,
      );
      assert.equal(kb.code, 0, kb.stdout + kb.stderr);
      const reg = await runCli(
        [
          'dw',
          'register',
          '--json',
          '--management-server',
          sm.baseUrl,
          '--admin-user',
          'admin',
          '--admin-password-file',
          smPw,
        ],
        dw,
      );
      assert.equal(reg.code, 0, reg.stdout + reg.stderr);
      const token = await signIn(sm.baseUrl, ADMIN_PASSWORD);
      const WORK_ITEMS = workItems(fx.name);
      await makeChanges(sm.baseUrl, token, WORK_ITEMS, 'before');
      await extractUntil(dw, urls.staging, 'before', WORK_ITEMS);
      // An embedded ServiceManager is the running server's alone: compared once that server stops, at the end.
      if (fx.name === 'server') await assertStagedExactlyOnce(sm.url, urls.staging);

      // The DW computer is lost: its home (config, secure storage) is gone.
      fs.rmSync(dw.home, { recursive: true, force: true });

      // Without the key, setup refuses and changes nothing.
      const before = await snapshotAll(Object.values(urls), dw.home);
      const refused = await runCli(
        ['setup', 'data-warehouse', '--json', '--existing-database', '--staging-database', urls.staging],
        dw,
      );
      assert.equal(refused.code, 13, refused.stdout);
      assert.equal(refusal(refused.stdout).code, 'KEY_MISSING');
      assert.match(refusal(refused.stdout).remedy, /smgr key restore/);
      assert.deepEqual(await snapshotAll(Object.values(urls), dw.home), before);
      fs.rmSync(dw.home, { recursive: true, force: true });

      // Recovery under the same name: the key first, then setup with the existing database, then serve.
      const kr = await runCli(
        ['key', 'restore', '--json', '--file', keyFile, '--password-file', passphrase],
        dw,
      );
      assert.equal(kr.code, 0, kr.stdout + kr.stderr);
      const setup = await runCli(
        ['setup', 'data-warehouse', '--json', '--existing-database', '--staging-database', urls.staging],
        dw,
      );
      assert.equal(setup.code, 0, setup.stdout + setup.stderr);
      assert.equal(jsonOut(setup.stdout).rebound, true);
      dwServer = await startServe(dw);

      await makeChanges(sm.baseUrl, token, 100, 'after');
      // Extraction resumes from the restored watermark, through the running server's admin channel.
      const second = await runCli(['dw', 'run', 'extract', '--json'], dw);
      assert.equal(second.code, 0, second.stdout + second.stderr);
      assert.ok(jsonOut(second.stdout).rows > 0, second.stdout);
      assert.equal(await dwServer.stop(), 0);
      dwServer = undefined;
      await extractUntil(dw, urls.staging, 'after', 100);
      const doctor = await runCli(['doctor', '--json'], dw);
      assert.equal(doctor.code, 0, doctor.stdout);
      await sm.server.stop();
      const n = await assertStagedExactlyOnce(sm.url, urls.staging);
      assert.ok(n >= (WORK_ITEMS + 100) * 2, `${n} changes staged`);
    });
  });
}
