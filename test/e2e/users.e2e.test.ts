/**
 * smgr user add / password / list through the built CLI on the embedded
 * engine: on the database directly while no server runs, through the
 * server's admin channel while one does (the embedded database is its);
 * refusals exit with their code and change nothing; a new password revokes
 * the user's tokens; no password appears in any output.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { api, jsonOut, runCli, type ServeHandle, startServe, transcript } from '../support/cli.js';
import { tempDir } from '../support/engines.js';
import { dumpDatabaseAt } from '../support/snapshot.js';

const PASSWORDS = {
  admin: 'admin-pass-4c1d77',
  alice: 'alice-pass-8e2f13',
  alice2: 'alice-new-5b9a02',
  bob: 'bob-pass-3d6c88',
};

describe('smgr user (embedded)', () => {
  const root = tempDir('smgr-users-');
  const home = path.join(root, 'home');
  const env = { home, computerName: 'ms01' };
  const file = (name: string, text: string) => {
    const p = path.join(root, name);
    fs.writeFileSync(p, `${text}\n`);
    return p;
  };
  const db = `pglite:${path.join(home, 'databases', 'ServiceManager')}`;
  let server: ServeHandle | undefined;
  after(async () => {
    await server?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('user add on the database directly; refusals exit with their code and change nothing', async () => {
    const setup = await runCli(
      [
        'setup',
        'management-server',
        '--new-database',
        '--management-group',
        'Contoso',
        '--database',
        db,
        '--admin-user',
        'admin',
        '--admin-password-file',
        file('admin.pw', PASSWORDS.admin),
      ],
      env,
    );
    assert.equal(setup.code, 0, setup.stderr);
    const alicePw = file('alice.pw', PASSWORDS.alice);
    const added = await runCli(
      ['user', 'add', 'alice', '--role', 'end-user', '--password-file', alicePw],
      env,
    );
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /User alice created, role end-user\./);

    const before = await dumpDatabaseAt(db);
    const refusals: Array<[string[], number, RegExp]> = [
      [
        ['user', 'add', 'carol', '--role', 'boss', '--password-file', alicePw],
        2,
        /role: must be one of "administrator", "analyst", "end-user"/,
      ],
      [
        ['user', 'add', 'carol', '--role', 'analyst', '--password-file', file('short.pw', 'short')],
        2,
        /shorter than 8 characters/,
      ],
      [
        ['user', 'add', 'alice', '--role', 'analyst', '--password-file', alicePw],
        1,
        /A user named "alice" already exists/,
      ],
      [['user', 'add', 'carol!', '--role', 'analyst', '--password-file', alicePw], 2, /user name must be/],
      [['user', 'add', 'carol', '--role', 'analyst'], 2, /no terminal/],
      [['user', 'add', 'carol', '--password-file', alicePw], 2, /--role/],
      [['user', 'password', 'nobody', '--password-file', alicePw], 1, /No user with id nobody/],
    ];
    for (const [args, code, message] of refusals) {
      const r = await runCli(args, env);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.match(r.stderr, /^remedy: /m);
    }
    const json = await runCli(
      ['user', 'add', 'carol', '--role', 'boss', '--password-file', alicePw, '--json'],
      env,
    );
    assert.equal(jsonOut(json.stdout).error, 'USAGE');
    assert.equal(await dumpDatabaseAt(db), before);
  });

  test('while serving: through the admin channel; a new password revokes the tokens', async () => {
    server = await startServe(env);
    const bob = await runCli(
      ['user', 'add', 'bob', '--role', 'analyst', '--password-file', file('bob.pw', PASSWORDS.bob), '--json'],
      env,
    );
    assert.equal(bob.code, 0, bob.stderr);
    assert.deepEqual([jsonOut(bob.stdout).username, jsonOut(bob.stdout).role], ['bob', 'analyst']);
    const signIn = (username: string, password: string) =>
      api(server!.baseUrl, 'POST', '/api/v1/sessions', { username, password });
    assert.equal((await signIn('bob', PASSWORDS.bob)).status, 201);
    const token = (await signIn('alice', PASSWORDS.alice)).body.token as string;
    assert.equal((await api(server.baseUrl, 'GET', '/api/v1/work-items', undefined, token)).status, 200);

    const changed = await runCli(
      ['user', 'password', 'alice', '--password-file', file('alice2.pw', PASSWORDS.alice2)],
      env,
    );
    assert.equal(changed.code, 0, changed.stderr);
    assert.match(changed.stdout, /Password of alice changed; 1 token\(s\) revoked\./);
    assert.equal((await api(server.baseUrl, 'GET', '/api/v1/work-items', undefined, token)).status, 401);
    assert.equal((await signIn('alice', PASSWORDS.alice)).status, 401);
    assert.equal((await signIn('alice', PASSWORDS.alice2)).status, 201);

    const list = await runCli(['user', 'list', '--json'], env);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(
      jsonOut(list.stdout).users.map((u: { username: string; role: string }) => [u.username, u.role]),
      [
        ['admin', 'administrator'],
        ['alice', 'end-user'],
        ['bob', 'analyst'],
      ],
    );
    assert.doesNotMatch(list.stdout, /scrypt|hash/i);
    const human = await runCli(['user', 'list'], env);
    assert.match(human.stdout, /alice\s+end-user\s+enabled/);
  });

  test('no password in any output', () => {
    for (const text of transcript) {
      for (const pw of Object.values(PASSWORDS)) assert.ok(!text.includes(pw), `password in output: ${text}`);
    }
  });
});
