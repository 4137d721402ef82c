/**
 * smgr dw register / unregister through the built CLI (issue 9 item 3), two
 * homes on the PostgreSQL server: ServiceManager gets the DW's key record
 * (no KEK), its computer and a data-warehouse service account; the DW keeps
 * the source group and that account's password sealed with its own DEK;
 * registering again is idempotent; extract runs on demand. Each refusal
 * answers its code and message and changes nothing: every database and
 * secure storage are compared (on the management server, what signing in
 * itself writes — its audit rows, the token made and revoked, the failure
 * counter of a wrong password — is left out, and said so).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDatabase } from '../../src/db/open-database.js';
import { type CliEnv, jsonOut, runCli } from '../support/cli.js';
import {
  DW_PASSWORD,
  newDwUrls,
  passwordFile,
  refusal,
  servedManagementServer,
  setupDw,
  snapshotAll,
} from '../support/dw.js';
import { serverFixture, tempDir } from '../support/engines.js';
import { SERVER_HOUSEKEEPING } from '../support/snapshot.js';

const ADMIN_PASSWORD = 'sm-admin-pass-61b2';
/** What signing in and out writes on the management server (refusals after sign-in). */
const SIGN_IN_TRACES = ['audit_log', 'api_tokens', 'sign_in_throttle', 'users.updated_at'];

describe('dw register / unregister', () => {
  const fx = serverFixture();
  const root = tempDir('smgr-dw-reg-');
  const smPw = passwordFile(root, ADMIN_PASSWORD);
  const dwPw = passwordFile(root, DW_PASSWORD);
  const wrongPw = passwordFile(root, 'not-the-password-1');
  let sm: Awaited<ReturnType<typeof servedManagementServer>>;
  let sm2: Awaited<ReturnType<typeof servedManagementServer>>;
  const dw: CliEnv = { home: path.join(root, 'dw01-home'), computerName: 'dw01' };
  let dwUrls: Awaited<ReturnType<typeof newDwUrls>>;
  let dwOut: { keyId: string; managementGroup: { id: string } };
  const register = (env: CliEnv, url: string, pw = smPw) =>
    runCli(
      [
        'dw',
        'register',
        '--json',
        '--management-server',
        url,
        '--admin-user',
        'admin',
        '--admin-password-file',
        pw,
      ],
      env,
    );

  before(async () => {
    sm = await servedManagementServer(fx, root, 'Contoso SM', 'ms01', smPw);
    dwUrls = await newDwUrls(fx);
    dwOut = await setupDw(dw, 'Contoso DW', dwUrls, dwPw);
  });
  after(async () => {
    await sm?.server.stop();
    await sm2?.server.stop();
    await fx.cleanup();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('register writes both sides; again is idempotent; extract runs on demand', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await register(dw, sm.baseUrl);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const out = jsonOut(r.stdout);
      assert.equal(out.managementGroup.name, 'Contoso SM');
      assert.equal(out.serviceUser, `dw-${dwOut.managementGroup.id}`);
    }
    const db = await openDatabase(sm.url);
    try {
      const keys = await db.query<{ key_id: string; part: string }>(
        "SELECT key_id, part FROM key_records WHERE part = 'data-warehouse'",
      );
      assert.deepEqual(keys.rows, [{ key_id: dwOut.keyId, part: 'data-warehouse' }]);
      const comp = await db.query("SELECT computer_name, role FROM computers WHERE part = 'data-warehouse'");
      assert.deepEqual(comp.rows, [{ computer_name: 'dw01', role: 'data-warehouse' }]);
      const user = await db.query("SELECT username FROM users WHERE role = 'data-warehouse'");
      assert.equal(user.rowCount, 1);
    } finally {
      await db.close();
    }
    const staging = await openDatabase(dwUrls.staging);
    try {
      const src = await staging.query<{ name: string; credential_sealed: Buffer }>(
        'SELECT name, credential_sealed FROM source_group',
      );
      assert.equal(src.rows[0]!.name, 'Contoso SM');
      assert.equal(
        src.rows[0]!.credential_sealed[0],
        1,
        'sealed (version byte), never the password in clear',
      );
    } finally {
      await staging.close();
    }
    const ex = await runCli(['dw', 'run', 'extract', '--json'], dw);
    assert.equal(ex.code, 0, ex.stdout + ex.stderr);
    assert.ok(jsonOut(ex.stdout).rows > 0, 'the users of the group at least');
    const status = jsonOut((await runCli(['status', '--json'], sm.env)).stdout);
    const ms = status.parts.find((p: { part: string }) => p.part === 'management-server');
    assert.ok(
      ms.servers.some(
        (s: { computerName: string; part: string }) =>
          s.computerName === 'dw01' && s.part === 'data-warehouse',
      ),
    );
  });

  test('refusals change nothing: names alike, a second DW, registered elsewhere, wrong password', async () => {
    sm2 = await servedManagementServer(fx, root, 'Fabrikam SM', 'ms02', smPw);
    const alike: CliEnv = { home: path.join(root, 'dw02-home'), computerName: 'dw02' };
    const alikeUrls = await newDwUrls(fx);
    await setupDw(alike, 'Contoso SM', alikeUrls, dwPw);
    const second: CliEnv = { home: path.join(root, 'dw03-home'), computerName: 'dw03' };
    const secondUrls = await newDwUrls(fx);
    await setupDw(second, 'Second DW', secondUrls, dwPw);
    const cases: Array<{
      env: CliEnv;
      urls: string[];
      run: () => ReturnType<typeof runCli>;
      code: string;
      message: RegExp;
      smLeftOut: string[];
    }> = [
      {
        env: alike,
        urls: Object.values(alikeUrls),
        run: () => register(alike, sm.baseUrl),
        code: 'DW_GROUP_NAME_TAKEN',
        message: /both named "Contoso SM"/,
        smLeftOut: [],
      },
      {
        env: second,
        urls: Object.values(secondUrls),
        run: () => register(second, sm.baseUrl),
        code: 'DW_SOURCE_ERROR',
        message: /already has data warehouse "Contoso DW" registered \(computer dw01\)/,
        smLeftOut: SIGN_IN_TRACES,
      },
      {
        env: dw,
        urls: Object.values(dwUrls),
        run: () => register(dw, sm2.baseUrl),
        code: 'DW_REGISTERED_ELSEWHERE',
        message: /registered with management group "Contoso SM"/,
        smLeftOut: [],
      },
      {
        env: second,
        urls: Object.values(secondUrls),
        run: () => register(second, sm.baseUrl, wrongPw),
        code: 'DW_SOURCE_SIGN_IN_FAILED',
        message: /refused the sign-in of admin: wrong user name or password/,
        smLeftOut: SIGN_IN_TRACES,
      },
    ];
    for (const c of cases) {
      const smLeftOut = [...SERVER_HOUSEKEEPING, ...c.smLeftOut];
      const before = await snapshotAll(c.urls, c.env.home);
      const smBefore = await snapshotAll([sm.url, sm2.url], sm.env.home, smLeftOut);
      const r = await c.run();
      assert.equal(r.code, 1, r.stdout);
      const e = refusal(r.stdout);
      assert.equal(e.code, c.code, r.stdout);
      assert.match(e.message, c.message);
      assert.ok(e.remedy.length > 0);
      assert.deepEqual(await snapshotAll(c.urls, c.env.home), before, `${c.code}: the DW unchanged`);
      assert.deepEqual(
        await snapshotAll([sm.url, sm2.url], sm.env.home, smLeftOut),
        smBefore,
        `${c.code}: ServiceManager unchanged`,
      );
    }
  });

  test('unregister removes both sides and keeps the DW data', async () => {
    const r = await runCli(
      ['dw', 'unregister', '--json', '--admin-user', 'admin', '--admin-password-file', smPw],
      dw,
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const db = await openDatabase(sm.url);
    try {
      for (const sql of [
        "SELECT 1 FROM key_records WHERE part = 'data-warehouse'",
        "SELECT 1 FROM computers WHERE part = 'data-warehouse'",
        "SELECT 1 FROM users WHERE role = 'data-warehouse'",
        'SELECT 1 FROM data_warehouse',
      ]) {
        assert.equal((await db.query(sql)).rowCount, 0, sql);
      }
    } finally {
      await db.close();
    }
    const staging = await openDatabase(dwUrls.staging);
    try {
      assert.equal((await staging.query('SELECT 1 FROM source_group')).rowCount, 0);
      assert.ok((await staging.query('SELECT 1 FROM staging_users')).rowCount > 0, 'extracted data kept');
    } finally {
      await staging.close();
    }
    const again = await runCli(
      ['dw', 'unregister', '--json', '--admin-user', 'admin', '--admin-password-file', smPw],
      dw,
    );
    assert.equal(refusal(again.stdout).code, 'DW_NOT_REGISTERED');
  });
});
