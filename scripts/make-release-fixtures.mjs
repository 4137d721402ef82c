#!/usr/bin/env node
// Makes the fixtures that every later release must read (issue 8 item 8; restic
// keeps old-index-repo for the same reason), with the built CLI of this
// release, as a user would: setup of an embedded group, data through the
// HTTP API of a running `smgr serve`, `smgr key backup`, `smgr backup create`
// through the server's admin channel. Run from the repository root after
// `npm run build`:
//
//   node scripts/make-release-fixtures.mjs     # writes test/fixtures/release-<major.minor>/backup/
//
// It writes, into test/fixtures/release-<major.minor>/backup/:
//   the archive (<group>-<time>.smbak) and its summary, the key backup file
//   (key-backup.smkey), the passphrase (passphrase.txt: also the admin's
//   password), the home's config.json and secure-storage/, and expected.json:
//   what the archive holds, for the tests to compare (src/backup/release-fixtures.test.ts).
// Never rerun it for a release whose fixtures are committed: they are the
// point. A new release adds its own directory.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { api, jsonOut, runCli, startServe } from '../dist/test/support/cli.js';

const version = JSON.parse(fs.readFileSync('package.json', 'utf8')).version;
const out = path.join('test', 'fixtures', `release-${version.split('.').slice(0, 2).join('.')}`, 'backup');
if (fs.existsSync(out)) {
  console.error(
    `${out} exists: fixtures of a release are never remade (remove it by hand if this release is unreleased)`,
  );
  process.exit(1);
}
const PASSPHRASE = 'release fixture passphrase 0.1';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'smgr-fixture-'));
const home = path.join(work, 'home');
const env = { home, computerName: 'fixture-ms' };
const pass = path.join(work, 'passphrase.txt');
fs.writeFileSync(pass, `${PASSPHRASE}\n`, { mode: 0o600 });

const cli = async (args) => {
  const r = await runCli(args, env);
  if (r.code !== 0) throw new Error(`smgr ${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
  return r.stdout;
};

try {
  await cli([
    'setup',
    'management-server',
    '--new-database',
    '--management-group',
    'Fixture Group',
    '--admin-user',
    'admin',
    '--admin-password-file',
    pass,
    '--database',
    `pglite:${path.join(home, 'databases', 'ServiceManager')}`,
  ]);
  const server = await startServe(env);
  const expected = { workItems: [], configItems: [], runAsAccounts: [] };
  try {
    const token = (
      await api(server.baseUrl, 'POST', '/api/v1/sessions', { username: 'admin', password: PASSPHRASE })
    ).body.token;
    const call = async (method, route, body, status) => {
      const r = await api(server.baseUrl, method, route, body, token);
      if (r.status !== status) throw new Error(`${method} ${route}: ${r.status} ${r.text}`);
      return r.body;
    };
    for (let i = 0; i < 40; i++) {
      const item = await call(
        'POST',
        '/api/v1/work-items',
        {
          class: i % 3 ? 'incident' : 'service-request',
          title: `Fixture ${i}: tab\there, "quotes", back\\slash, ünïcode ✓`,
          description: i % 4 ? `line 1\nline 2\r\n${'text '.repeat(i * 5)}` : null,
          priority: 1 + (i % 4),
          properties: { n: i, nested: { list: [1, 'two', { three: null }] } },
        },
        201,
      );
      if (i % 5 === 0) await call('PATCH', `/api/v1/work-items/${item.id}`, { status: 'resolved' }, 200);
      expected.workItems.push({ displayId: item.displayId, title: item.title });
    }
    for (const [cls, name] of [
      ['computer', 'WS-10001'],
      ['user', 'ada.lovelace'],
      ['service', 'Mail'],
    ]) {
      await call('POST', '/api/v1/config-items', { class: cls, name, properties: { site: 'Berlin' } }, 201);
      expected.configItems.push({ class: cls, name });
    }
    const secret = 'Fixture-Run-As-P@ss 0.1';
    const ra = await call(
      'POST',
      '/api/v1/run-as-accounts',
      { name: 'sql-service', username: 'CONTOSO\\svc-sql', password: secret },
      201,
    );
    expected.runAsAccounts.push({ id: ra.id, name: 'sql-service', password: secret });
    await cli(['key', 'backup', '--file', path.join(work, 'key-backup.smkey'), '--password-file', pass]);
    const backup = jsonOut(await cli(['--json', 'backup', 'create', '--to', path.join(work, 'backups')]));
    expected.archive = path.basename(backup.file);
    expected.managementGroup = backup.managementGroup;
    expected.tables = Object.fromEntries(backup.databases[0].tables.map((t) => [t.name, t.rows]));
  } finally {
    await server.stop();
  }

  fs.mkdirSync(out, { recursive: true });
  const copy = (from, to = path.basename(from)) => fs.copyFileSync(from, path.join(out, to));
  copy(path.join(work, 'backups', expected.archive));
  copy(path.join(work, 'backups', `${expected.archive}.json`));
  copy(path.join(work, 'key-backup.smkey'));
  copy(pass);
  fs.mkdirSync(path.join(out, 'home', 'secure-storage'), { recursive: true });
  copy(path.join(home, 'config.json'), path.join('home', 'config.json'));
  for (const n of fs.readdirSync(path.join(home, 'secure-storage'))) {
    copy(path.join(home, 'secure-storage', n), path.join('home', 'secure-storage', n));
  }
  const config = JSON.parse(fs.readFileSync(path.join(home, 'config.json'), 'utf8'));
  fs.mkdirSync(path.join('test', 'fixtures', 'config'), { recursive: true });
  fs.copyFileSync(
    path.join(home, 'config.json'),
    path.join('test', 'fixtures', 'config', `format-${config.format}.json`),
  );
  expected.smgrVersion = version;
  expected.homeWas = home;
  expected.commit = execFileSync('git', ['rev-parse', 'HEAD']).toString().trim();
  fs.writeFileSync(path.join(out, 'expected.json'), `${JSON.stringify(expected, null, 2)}\n`);
  console.log(`wrote ${out}: ${fs.readdirSync(out).join(', ')}`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
