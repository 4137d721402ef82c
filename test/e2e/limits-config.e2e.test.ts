/**
 * The HTTP API's limits come from config.json (parts["management-server"].limits):
 * a sign-in limit set there is the one serve enforces.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { api, type CliEnv, runCli, type ServeHandle, startServe } from '../support/cli.js';
import { tempDir } from '../support/engines.js';

const root = tempDir('smgr-limits-');
const env: CliEnv = { home: path.join(root, 'home'), computerName: 'ms01' };
let server: ServeHandle;

before(async () => {
  fs.writeFileSync(path.join(root, 'pw'), 'admin-pass-limits-1\n');
  const r = await runCli(
    [
      'setup',
      'management-server',
      '--new-database',
      '--management-group',
      'L',
      '--admin-user',
      'admin',
      '--admin-password-file',
      path.join(root, 'pw'),
    ],
    env,
  );
  assert.equal(r.code, 0, r.stderr);
  const file = path.join(env.home, 'config.json');
  const config = JSON.parse(fs.readFileSync(file, 'utf8'));
  config.parts['management-server'].limits = { signIn: { user: { limit: 2 } } };
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  server = await startServe(env);
});
after(async () => {
  await server?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

test('a sign-in limit from config.json: the third wrong password for one user is 429 with Retry-After', async () => {
  const attempt = () =>
    api(server.baseUrl, 'POST', '/api/v1/sessions', { username: 'admin', password: 'wrong-password-1' });
  assert.equal((await attempt()).status, 401);
  assert.equal((await attempt()).status, 401);
  const third = await attempt();
  assert.equal(third.status, 429, third.text);
  assert.equal(third.body.error, 'SIGN_IN_THROTTLED');
});
