/**
 * The starting point of the `smgr recover` end-to-end tests: a management
 * group "Contoso" on computer ms01 (either engine) with work items and a
 * Run As account, served once (so it has a backup recipient), its key
 * backed up and one archive made; then one more work item, after the
 * archive. Plus the small helpers those tests share.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { api, type CliEnv, jsonOut, runCli, startServe } from './cli.js';
import type { EngineFixture } from './engines.js';
import { withDb } from './group.js';
import { dumpDatabaseAt, type LeftOut, pgDump } from './snapshot.js';

export const ADMIN_PASSWORD = 'admin-pass-7d31aa';
export const PASSPHRASE = 'recover passphrase 9';

export interface RecoverFixture {
  root: string;
  original: CliEnv & { computerName: string };
  url: string;
  keyFile: string;
  passFile: string;
  archive: string;
  /** Every work item as the archive holds it. */
  itemsAtArchive: unknown[];
  file(name: string): string;
}

export async function makeRecoverFixture(fx: EngineFixture, root: string): Promise<RecoverFixture> {
  const file = (n: string) => path.join(root, n);
  fs.writeFileSync(file('admin.pw'), ADMIN_PASSWORD);
  fs.writeFileSync(file('pass'), `${PASSPHRASE}\n`);
  const original = { home: file('home-original'), computerName: 'ms01' };
  const url = fx.name === 'server' ? await fx.newDatabaseUrl() : `pglite:${file('db/ServiceManager')}`;
  const setup = await runCli(
    [
      'setup',
      'management-server',
      '--new-database',
      '--management-group',
      'Contoso',
      '--database',
      url,
    ].concat(['--admin-user', 'admin', '--admin-password-file', file('admin.pw')]),
    original,
  );
  assert.equal(setup.code, 0, setup.stderr);
  const server = await startServe(original);
  try {
    const token = (
      await api(server.baseUrl, 'POST', '/api/v1/sessions', { username: 'admin', password: ADMIN_PASSWORD })
    ).body.token;
    for (let i = 0; i < 5; i++) {
      const w = await api(
        server.baseUrl,
        'POST',
        '/api/v1/work-items',
        { class: i % 2 ? 'service-request' : 'incident', title: `Item ${i}`, description: 'ünïcode ✓' },
        token,
      );
      assert.equal(w.status, 201, w.text);
    }
    const r = await api(
      server.baseUrl,
      'POST',
      '/api/v1/run-as-accounts',
      { name: 'sql', username: 'sa', password: 'RunAs-Secret-41' },
      token,
    );
    assert.equal(r.status, 201, r.text);
  } finally {
    assert.equal(await server.stop(), 0);
  }
  const keys = await runCli(
    ['key', 'backup', '--file', file('keys.age'), '--password-file', file('pass')],
    original,
  );
  assert.equal(keys.code, 0, keys.stderr);
  const backup = await runCli(['--json', 'backup', 'create', '--to', file('backups')], original);
  assert.equal(backup.code, 0, backup.stderr);
  const archive = jsonOut(backup.stdout).archives[0].file as string;
  const itemsAtArchive = await workItems(url);
  await withDb(url, (db) =>
    db.query(
      `INSERT INTO work_items (class, display_id, title, status) VALUES ('incident', 'IR-after', 'after the archive', 'active')`,
    ),
  );
  return {
    root,
    original,
    url,
    keyFile: file('keys.age'),
    passFile: file('pass'),
    archive,
    itemsAtArchive,
    file,
  };
}

export function workItems(url: string): Promise<unknown[]> {
  return withDb(url, async (db) => (await db.query('SELECT * FROM work_items ORDER BY id')).rows);
}

/** A dump to compare before/after: pg_dump for a server database, a logical dump for an embedded one. */
export function dump(url: string, leftOut: LeftOut = []): Promise<string> {
  return url.startsWith('postgres') ? Promise.resolve(pgDump(url, leftOut)) : dumpDatabaseAt(url, leftOut);
}

/** A TCP port free at the time of asking, for --listen. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host: '127.0.0.1', port: 0 }, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
