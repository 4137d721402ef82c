/**
 * `smgr setup data-warehouse` through the built CLI (issue 9 item 2): a new
 * DW on three server databases and on embedded ones (status and doctor
 * show it), and every refusal answers its code and message and leaves every
 * database and secure storage as they were.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDatabase } from '../../src/db/open-database.js';
import { type CliEnv, jsonOut, runCli } from '../support/cli.js';
import { newDwUrls, passwordFile, refusal, setupDw, setupDwArgs, snapshotAll } from '../support/dw.js';
import { serverFixture, tempDir } from '../support/engines.js';

describe('setup data-warehouse', () => {
  const fx = serverFixture();
  const root = tempDir('smgr-dw-setup-');
  const pw = passwordFile(root);
  const env: CliEnv = { home: path.join(root, 'dw-home'), computerName: 'dw01' };
  let urls: Awaited<ReturnType<typeof newDwUrls>>;
  before(async () => {
    urls = await newDwUrls(fx);
  });
  after(async () => {
    await fx.cleanup();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('a new DW on three server databases: key, group, admin, registration; status and doctor', async () => {
    const out = await setupDw(env, 'DW One', urls, pw);
    assert.equal(out.part, 'data-warehouse');
    assert.equal(out.managementGroup.name, 'DW One');
    assert.match(out.keyId, /^dw-[0-9a-f]{16}$/);
    const keyFile = path.join(env.home, 'secure-storage', `${out.keyId}.key`);
    assert.equal(JSON.parse(fs.readFileSync(keyFile, 'utf8')).part, 'data-warehouse');
    const db = await openDatabase(urls.staging);
    try {
      const rec = await db.query<{ key_id: string; part: string }>('SELECT key_id, part FROM key_records');
      assert.deepEqual(rec.rows, [{ key_id: out.keyId, part: 'data-warehouse' }]);
      const group = await db.query<{ name: string; repository_database: string }>(
        'SELECT name, repository_database FROM dw_group',
      );
      assert.equal(group.rows[0]!.name, 'DW One');
      assert.equal(group.rows[0]!.repository_database, urls.repository);
      const comp = await db.query('SELECT computer_name, part, role FROM computers');
      assert.deepEqual(comp.rows, [
        { computer_name: 'dw01', part: 'data-warehouse', role: 'data-warehouse' },
      ]);
      const users = await db.query('SELECT username, role FROM users');
      assert.deepEqual(users.rows, [{ username: 'dwadmin', role: 'administrator' }]);
    } finally {
      await db.close();
    }
    const status = jsonOut((await runCli(['status', '--json'], env)).stdout);
    const dw = status.parts.find((p: { part: string }) => p.part === 'data-warehouse');
    assert.deepEqual(
      dw.databases.map((d: { name: string }) => d.name),
      ['DWStagingAndConfig', 'DWRepository', 'DWDataMart'],
    );
    assert.equal(dw.keys[0].verifies, true);
    const doctor = await runCli(['doctor', '--json'], env);
    assert.equal(doctor.code, 0, doctor.stdout);
  });

  test('refusals change nothing: installed home, non-empty database, the same database twice, bad name', async () => {
    const other = await newDwUrls(fx);
    // A database holding another application's table.
    const foreign = await openDatabase(other.datamart);
    await foreign.query('CREATE TABLE someone_elses (id int)');
    await foreign.close();
    const fresh = path.join(root, 'fresh-home');
    const all = [
      urls.staging,
      urls.repository,
      urls.datamart,
      other.staging,
      other.repository,
      other.datamart,
    ];
    const cases: Array<{ args: string[]; home: string; code: string; message: RegExp }> = [
      {
        args: setupDwArgs('DW Two', other, pw),
        home: env.home,
        code: 'ALREADY_INSTALLED',
        message: /already has management group "DW One"/,
      },
      {
        args: setupDwArgs('DW Two', other, pw),
        home: fresh,
        code: 'DW_DATABASE_NOT_EMPTY',
        message: /given for DWDataMart is not empty/,
      },
      {
        args: setupDwArgs('DW Two', { ...other, datamart: other.staging }, pw),
        home: fresh,
        code: 'USAGE',
        message: /three different databases/,
      },
      {
        args: setupDwArgs(
          'DW Two',
          { staging: urls.staging, repository: other.repository, datamart: other.staging },
          pw,
        ),
        home: fresh,
        code: 'DW_DATABASE_NOT_EMPTY',
        message: /DWStagingAndConfig is not empty/,
      },
      {
        args: setupDwArgs('bad/name', other, pw),
        home: fresh,
        code: 'USAGE',
        message: /management group name/,
      },
    ];
    for (const c of cases) {
      const before = await snapshotAll(all, c.home);
      const r = await runCli(c.args, { home: c.home, computerName: c.home === env.home ? 'dw01' : 'dw02' });
      assert.notEqual(r.code, 0, r.stdout);
      const e = refusal(r.stdout);
      assert.equal(e.code, c.code, r.stdout);
      assert.match(e.message, c.message);
      assert.ok(e.remedy.length > 0);
      assert.deepEqual(await snapshotAll(all, c.home), before, `${c.code}: nothing changed`);
      if (c.home === fresh) assert.equal(fs.existsSync(fresh), false, `${c.code}: no home created`);
    }
  });

  test('an embedded DW in the home (the default)', async () => {
    const home = path.join(root, 'embedded-home');
    const out = await setupDw({ home, computerName: 'dw03' }, 'DW Embedded', {}, pw);
    assert.deepEqual(
      out.databases.map((d: string) => d.split(' ')[0]),
      ['DWStagingAndConfig', 'DWRepository', 'DWDataMart'],
    );
    for (const name of ['DWStagingAndConfig', 'DWRepository', 'DWDataMart']) {
      assert.ok(fs.existsSync(path.join(home, 'databases', name)), name);
    }
  });
});
