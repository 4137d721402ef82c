/**
 * `smgr setup portal` and the portal's recovery (issue 12 items 2 and 4),
 * from the built CLI against a management server on PostgreSQL:
 *  - every refusal (bad usage, wrong administrator password, a role that may
 *    not, an unreachable server, --existing without the key, a second new
 *    portal key) exits with its message and changes nothing: the
 *    ServiceManager database (but for what a sign-in itself writes: audit
 *    rows, tokens, throttle counts) and the portal's home (secure storage,
 *    config) are the same before and after;
 *  - setup writes the key (secure storage), its record and the registration
 *    (through the API), the config; serve checks and heartbeats; status and
 *    doctor show the portal computers;
 *  - recovery: the portal computer lost, its key restored from the key backup
 *    file, the same-name setup --existing; a session cookie issued before the
 *    loss still works; a second portal with the same key serves it too.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { jsonOut, runCli, type ServeHandle } from '../support/cli.js';
import { eventually } from '../support/eventually.js';
import {
  openPortalGroup,
  PORTAL_PASSWORDS,
  PortalAgent,
  type PortalGroup,
  SIGN_IN_BY_PRODUCTS,
} from '../support/portal.js';
import { dumpDatabaseAt, snapshotDir } from '../support/snapshot.js';

describe('smgr setup portal, status, doctor and recovery', () => {
  let g: PortalGroup;
  let web01: ServeHandle | undefined;
  let cookie = '';
  const keyFile = () => path.join(g.root, 'portal-key.age');
  const passphrase = () => g.file('passphrase', 'key-backup-passphrase-31');

  before(async () => {
    g = await openPortalGroup('smgr-portal-setup-');
  });
  after(async () => {
    await g?.close();
  });

  /** Runs `f` and checks that the database and `home` are the same after it. */
  const unchanged = async (home: string, f: () => Promise<void>) => {
    const db = await dumpDatabaseAt(g.databaseUrl, SIGN_IN_BY_PRODUCTS);
    const files = snapshotDir(home);
    await f();
    assert.equal(await dumpDatabaseAt(g.databaseUrl, SIGN_IN_BY_PRODUCTS), db, 'ServiceManager changed');
    assert.deepEqual(snapshotDir(home), files, `${home} changed`);
  };

  const setup = (name: string, args: string[], extra: string[] = []) =>
    runCli(['setup', 'portal', ...args, ...extra], { home: path.join(g.root, name), computerName: name });

  const flags = (password = path.join(g.root, 'admin.pw'), user = 'admin', url = g.msUrl) => [
    '--management-server',
    url,
    '--admin-user',
    user,
    '--admin-password-file',
    password,
  ];

  test('refusals before any portal exists change nothing', async () => {
    const home = path.join(g.root, 'web01');
    await unchanged(home, async () => {
      const usage = await setup('web01', ['--admin-user', 'admin']);
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /needs --management-server URL and --admin-user NAME/);
      const wrong = await setup('web01', flags(g.file('wrong.pw', 'not-the-password')));
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /the password of admin is wrong, or no such administrator exists/);
      const enduser = await setup('web01', flags(path.join(g.root, 'alice.pw'), 'alice'));
      assert.equal(enduser.code, 1);
      assert.match(enduser.stderr, /refused: .*may not set up portals/);
      const away = await setup('web01', flags(undefined, undefined, 'http://127.0.0.1:9'));
      assert.equal(away.code, 1);
      assert.match(away.stderr, /cannot be reached/);
      const nokey = await setup('web01', [...flags(), '--existing']);
      assert.equal(nokey.code, 13);
      assert.match(nokey.stderr, /holds no portal key of management group "Portal Group"/);
      assert.match(nokey.stderr, /smgr key restore --file/);
    });
    assert.equal(fs.existsSync(home), false);
  });

  test('setup: the key in secure storage, its record and the registration through the API, the config', async () => {
    const r = await setup('web01', [...flags(), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = jsonOut(r.stdout);
    assert.equal(out.part, 'portal');
    assert.match(out.keyId, /^portal-[0-9a-f]{16}$/);
    const home = path.join(g.root, 'web01');
    const config = JSON.parse(fs.readFileSync(path.join(home, 'config.json'), 'utf8'));
    assert.deepEqual(Object.keys(config.parts), ['portal']);
    assert.equal(config.parts.portal.keyId, out.keyId);
    assert.equal(config.parts.portal.listen, '127.0.0.1:8430');
    assert.ok(fs.existsSync(path.join(home, 'secure-storage', `${out.keyId}.key`)));
    const db = await dumpDatabaseAt(g.databaseUrl);
    assert.match(db, new RegExp(`"key_id":"${out.keyId}","part":"portal"`));
    assert.match(db, /"computer_name":"web01","part":"portal","role":"portal"/);
    assert.match(db, /portal_keys: \[\{"key_id"/);
    assert.ok(!r.stdout.includes(PORTAL_PASSWORDS.admin) && !r.stderr.includes(PORTAL_PASSWORDS.admin));
  });

  test('a second new portal key, or the same home again, is refused and changes nothing', async () => {
    await unchanged(path.join(g.root, 'web02'), async () => {
      const second = await setup('web02', flags());
      assert.equal(second.code, 1);
      assert.match(second.stderr, /already has portal key portal-[0-9a-f]{16}; a new portal key is not made/);
    });
    await unchanged(path.join(g.root, 'web01'), async () => {
      const again = await setup('web01', flags());
      assert.equal(again.code, 1);
      assert.match(again.stderr, /already has management group "Portal Group" installed/);
    });
  });

  test('serve checks the key through the API and heartbeats; status and doctor show the portal computers', async () => {
    const home = path.join(g.root, 'web01');
    const r = await runCli(['key', 'backup', '--file', keyFile(), '--password-file', passphrase()], {
      home,
      computerName: 'web01',
    });
    assert.equal(r.code, 0, r.stderr);
    web01 = await g.servePortal(home, 'web01');
    const health = await (await fetch(`${web01.baseUrl}/health`)).json();
    assert.deepEqual(health, {
      status: 'ok',
      part: 'portal',
      managementGroup: 'Portal Group',
      computerName: 'web01',
    });
    const st = jsonOut((await runCli(['status', '--json'], { home, computerName: 'web01' })).stdout);
    const portal = st.parts.find((p: { part: string }) => p.part === 'portal');
    assert.equal(portal.keys[0].inSecureStorage, true);
    assert.equal(portal.keys[0].verifies, true);
    await eventually('web01 alive in status', async () => {
      const s = jsonOut((await runCli(['status', '--json'], { home, computerName: 'web01' })).stdout);
      const p = s.parts.find((x: { part: string }) => x.part === 'portal');
      return p.portals.some(
        (c: { computerName: string; alive: boolean }) => c.computerName === 'web01' && c.alive,
      );
    });
    const doctor = await runCli(['doctor', '--json'], { home, computerName: 'web01' });
    assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
    assert.ok(
      jsonOut(doctor.stdout).checks.some(
        (c: { name: string; state: string }) =>
          c.name.startsWith('portal key and registration') && c.state === 'pass',
      ),
    );
    const ms = await runCli(['status'], { home: g.msHome, computerName: 'ms01' });
    assert.match(ms.stdout, /Server web01:\s+portal portal, alive/);
    const agent = new PortalAgent(web01.baseUrl);
    assert.equal((await agent.signIn('alice', PORTAL_PASSWORDS.alice)).status, 303);
    assert.equal((await agent.get('/requests')).status, 200);
    cookie = agent.cookie;
  });

  test('recovery: without the key refused with nothing changed; with it restored, sessions survive', async () => {
    await web01!.stop('SIGKILL');
    const home = path.join(g.root, 'web01');
    fs.rmSync(home, { recursive: true, force: true }); // the computer is lost
    await unchanged(home, async () => {
      const r = await setup('web01', [...flags(), '--existing', '--force']);
      assert.equal(r.code, 13);
      assert.match(r.stderr, /holds no portal key/);
    });
    const restore = await runCli(['key', 'restore', '--file', keyFile(), '--password-file', passphrase()], {
      home,
      computerName: 'web01',
    });
    assert.equal(restore.code, 0, restore.stderr);
    const r = await setup('web01', [...flags(), '--existing', '--force', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(jsonOut(r.stdout).rebound, true);
    web01 = await g.servePortal(home, 'web01');
    const agent = new PortalAgent(web01.baseUrl);
    agent.cookie = cookie;
    const page = await agent.get('/requests');
    assert.equal(page.status, 200, 'the cookie issued before the loss still signs alice in');
    assert.match(page.text, /Signed in as <strong>alice<\/strong>/);
  });

  test('a second portal with the same key serves the same sessions', async () => {
    const home = path.join(g.root, 'web02');
    const restore = await runCli(['key', 'restore', '--file', keyFile(), '--password-file', passphrase()], {
      home,
      computerName: 'web02',
    });
    assert.equal(restore.code, 0, restore.stderr);
    const r = await setup('web02', [...flags(), '--existing', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(jsonOut(r.stdout).rebound, false);
    const web02 = await g.servePortal(home, 'web02');
    const agent = new PortalAgent(web02.baseUrl);
    agent.cookie = cookie;
    assert.match((await agent.get('/requests')).text, /Signed in as <strong>alice<\/strong>/);
    const st = await runCli(['status'], { home, computerName: 'web02' });
    assert.match(st.stdout, /Portal web01:\s+alive/);
    assert.match(st.stdout, /Portal web02:\s+alive/);
  });
});
