/**
 * A full-loss recovery from the files an earlier release wrote
 * (test/fixtures/release-<version>/backup/), through the built CLI of this one:
 * key restore from the old key backup file into a fresh home, backup verify,
 * restore database from the old archive, setup --existing-database under
 * the old computer name, serve, and the old data and sealed secret answer
 * through the API.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { api, jsonOut, runCli, startServe } from '../support/cli.js';
import { tempDir } from '../support/engines.js';
import { releaseFixtures } from '../support/release-fixtures.js';

for (const release of releaseFixtures()) {
  describe(`recovery from the files of ${release.name}`, () => {
    const root = tempDir('smgr-release-e2e-');
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    test('key restore, verify, restore database, setup --existing-database, serve: the old data answers', async () => {
      const env = { home: path.join(root, 'home'), computerName: 'fixture-ms' };
      const url = `pglite:${path.join(root, 'databases', 'ServiceManager')}`;
      const run = async (args: string[]) => {
        const r = await runCli(args, env);
        assert.equal(r.code, 0, `smgr ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
        return r;
      };
      await run(['key', 'restore', '--file', release.keyFile, '--password-file', release.passphraseFile]);
      const verified = await run(['--json', 'backup', 'verify', release.archive]);
      assert.equal(jsonOut(verified.stdout).ok, true);
      assert.equal(
        jsonOut(verified.stdout).authenticated,
        false,
        'a version 1 archive cannot be authenticated',
      );
      // A version 1 archive is restored only when asked to: it cannot be authenticated.
      const refused = await runCli(
        ['restore', 'database', '--from', release.archive, '--database', url],
        env,
      );
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /has format version 1, which cannot be authenticated/);
      assert.match(refused.stderr, /remedy: .*--allow-unauthenticated/);
      assert.equal(fs.existsSync(path.join(root, 'databases')), false, 'the refused restore created nothing');
      const restored = await run([
        'restore',
        'database',
        '--from',
        release.archive,
        '--database',
        url,
        '--allow-unauthenticated',
      ]);
      assert.match(restored.stderr, /warning: .*format version 1: it cannot be authenticated/);
      await run(['setup', 'management-server', '--existing-database', '--database', url]);
      const server = await startServe(env);
      try {
        const login = await api(server.baseUrl, 'POST', '/api/v1/sessions', {
          username: 'admin',
          password: release.passphrase,
        });
        assert.equal(login.status, 201, login.text);
        const token = login.body.token;
        const list = await api(server.baseUrl, 'GET', '/api/v1/work-items?limit=100', undefined, token);
        assert.equal(list.status, 200, list.text);
        assert.deepEqual(
          list.body.items.map((i: { displayId: string; title: string }) => ({
            displayId: i.displayId,
            title: i.title,
          })),
          release.expected.workItems,
        );
        for (const account of release.expected.runAsAccounts) {
          const v = await api(
            server.baseUrl,
            'POST',
            `/api/v1/run-as-accounts/${account.id}/verify`,
            { password: account.password },
            token,
          );
          assert.deepEqual(v.body, { matches: true });
        }
      } finally {
        await server.stop();
      }
    });
  });
}
