/**
 * Database backups end to end, through the built CLI (issue 4): a backup
 * taken while a writer inserts restores consistent; kill -9 at several points
 * never leaves a .smbak that is not whole; a second concurrent backup is
 * refused; and recovery when everything is lost — key restore, restore
 * database, setup --existing-database, serve — on both engines.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { ADVISORY_LOCKS } from '../../src/db/advisory-locks.js';
import { openDatabase } from '../../src/db/open-database.js';
import { api, CLI, type CliEnv, jsonOut, runCli, startServe } from '../support/cli.js';
import { ENGINES, serverFixture, tempDir } from '../support/engines.js';
import { eventually } from '../support/eventually.js';
import { holdLock } from '../support/hold-lock.js';

const ADMIN_PASSWORD = 'admin-pass-61f0aa';
const PASSPHRASE = 'key backup passphrase 99';

function files(root: string) {
  const f = (name: string) => path.join(root, name);
  fs.writeFileSync(f('admin.pw'), ADMIN_PASSWORD);
  fs.writeFileSync(f('pass'), PASSPHRASE);
  return f;
}

async function setupGroup(env: CliEnv, url: string, f: (n: string) => string): Promise<void> {
  const r = await runCli(
    [
      'setup',
      'management-server',
      '--new-database',
      '--management-group',
      'Contoso',
      '--database',
      url,
      '--admin-user',
      'admin',
      '--admin-password-file',
      f('admin.pw'),
    ],
    env,
  );
  assert.equal(r.code, 0, r.stderr);
}

async function login(baseUrl: string): Promise<string> {
  return (await api(baseUrl, 'POST', '/api/v1/sessions', { username: 'admin', password: ADMIN_PASSWORD }))
    .body.token;
}

for (const makeFixture of ENGINES) {
  const fx = makeFixture();
  describe(`backups (${fx.name})`, () => {
    const root = tempDir('smgr-bk-');
    const f = files(root);
    after(async () => {
      await fx.cleanup();
      fs.rmSync(root, { recursive: true, force: true });
    });

    test('a backup taken while a writer inserts restores consistent, counts matching the manifest', async () => {
      const env = { home: f('home-w'), computerName: 'ms01' };
      const url = fx.name === 'server' ? await fx.newDatabaseUrl() : `pglite:${f('db-w')}`;
      await setupGroup(env, url, f);
      const server = await startServe(env);
      let file = '';
      try {
        const token = await login(server.baseUrl);
        let writing = true;
        let written = 0;
        let failed: unknown;
        /** How many writes went through; throws what stopped the writer, if anything did. */
        const writes = () => {
          if (failed) throw failed;
          return written;
        };
        const writer = (async () => {
          while (writing) {
            const r = await api(
              server.baseUrl,
              'POST',
              '/api/v1/work-items',
              { class: 'incident', title: `w${written}`, description: 'x'.repeat(200) },
              token,
            );
            assert.equal(r.status, 201);
            written++;
          }
        })().catch((e: unknown) => {
          failed = e;
        });
        await eventually('20 writes', () => writes() >= 20);
        const b = await runCli(['backup', 'create', '--json', '--to', f('backups-w')], env);
        const atEnd = writes();
        await eventually('the writer to go on past the backup', () => writes() > atEnd);
        writing = false;
        await writer;
        writes();
        assert.equal(b.code, 0, b.stderr + b.stdout);
        file = jsonOut(b.stdout).archives[0].file;
        assert.ok(written > 20);
      } finally {
        assert.equal(await server.stop(), 0);
      }
      const verify = await runCli(['backup', 'verify', '--json', file], env);
      assert.equal(verify.code, 0, verify.stdout);
      const manifestRows = jsonOut(verify.stdout).databases[0].tables.find(
        (t: { name: string }) => t.name === 'work_items',
      ).rows;
      const target = fx.name === 'server' ? await fx.newDatabaseUrl() : `pglite:${f('db-w-restored')}`;
      const r = await runCli(['restore', 'database', '--json', '--from', file, '--database', target], env);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const db = await openDatabase(target);
      try {
        const items = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM work_items');
        assert.equal(items.rows[0]!.n, manifestRows);
        const half = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM work_items w
            WHERE (SELECT count(*) FROM work_item_history h WHERE h.work_item_id = w.id) <> 1
               OR (SELECT count(*) FROM audit_log a WHERE a.target = w.display_id) <> 1`,
        );
        assert.equal(
          half.rows[0]!.n,
          0,
          'every item came with its history and audit row: no half-written item',
        );
      } finally {
        await db.close();
      }
    });

    test('everything lost: key restore, restore database, setup --existing-database, serve', async () => {
      const env = { home: f('home-a'), computerName: 'ms01' };
      const url = fx.name === 'server' ? await fx.newDatabaseUrl() : `pglite:${f('db-a')}`;
      await setupGroup(env, url, f);
      let server = await startServe(env);
      const items: unknown[] = [];
      let runAsId = '';
      try {
        const token = await login(server.baseUrl);
        for (let i = 0; i < 5; i++) {
          items.push(
            (
              await api(
                server.baseUrl,
                'POST',
                '/api/v1/work-items',
                { class: 'service-request', title: `SR ${i}` },
                token,
              )
            ).body,
          );
        }
        runAsId = (
          await api(
            server.baseUrl,
            'POST',
            '/api/v1/run-as-accounts',
            { name: 'svc', username: 'u', password: 'RunAs-Pw-1' },
            token,
          )
        ).body.id;
        assert.equal(
          (await runCli(['key', 'backup', '--file', f('key.age'), '--password-file', f('pass')], env)).code,
          0,
        );
        const b = await runCli(['backup', 'create', '--to', f('offsite')], env);
        assert.equal(b.code, 0, b.stderr);
        assert.match(b.stdout, /^Backup complete: /m);
      } finally {
        await server.stop();
      }
      // The disk died, and the database with it.
      fs.rmSync(env.home, { recursive: true, force: true });
      if (fx.name === 'embedded') fs.rmSync(f('db-a'), { recursive: true, force: true });
      const archive = await runCli(['backup', 'list', '--json', '--dir', f('offsite')], env);
      const file = jsonOut(archive.stdout).backups[0].file;

      const home = { home: f('home-a2'), computerName: 'ms01' };
      assert.equal(
        (await runCli(['key', 'restore', '--file', f('key.age'), '--password-file', f('pass')], home)).code,
        0,
      );
      const newUrl = fx.name === 'server' ? await fx.newDatabaseUrl() : `pglite:${f('db-a2')}`;
      const restored = await runCli(['restore', 'database', '--from', file, '--database', newUrl], home);
      assert.equal(restored.code, 0, restored.stderr);
      assert.match(restored.stdout, /^Restore complete: management group "Contoso"/m);
      const setup = await runCli(
        ['setup', 'management-server', '--existing-database', '--database', newUrl],
        home,
      );
      assert.equal(setup.code, 0, setup.stderr);
      server = await startServe(home);
      try {
        const token = await login(server.baseUrl);
        for (const item of items as Array<{ id: number }>) {
          assert.deepEqual(
            (await api(server.baseUrl, 'GET', `/api/v1/work-items/${item.id}`, undefined, token)).body,
            item,
          );
        }
        const v = await api(
          server.baseUrl,
          'POST',
          `/api/v1/run-as-accounts/${runAsId}/verify`,
          { password: 'RunAs-Pw-1' },
          token,
        );
        assert.deepEqual(v.body, { matches: true });
        const doctor = await runCli(['doctor', '--json'], home);
        assert.equal(doctor.code, 0, doctor.stdout);
        // New work continues after the restored rows (sequences were fixed).
        const next = await api(
          server.baseUrl,
          'POST',
          '/api/v1/work-items',
          { class: 'incident', title: 'after' },
          token,
        );
        assert.equal(next.status, 201, next.text);
      } finally {
        await server.stop();
      }
    });

    test('restore refuses a database that is not empty, changing nothing', async () => {
      const env = { home: f('home-a2'), computerName: 'ms01' };
      const list = JSON.parse(
        (await runCli(['backup', 'list', '--json', '--dir', f('offsite')], env)).stdout,
      );
      const target = fx.name === 'server' ? await fx.newDatabaseUrl() : `pglite:${f('db-nonempty')}`;
      const db = await openDatabase(target);
      await db.query('CREATE TABLE keep_me (id int)');
      await db.query('INSERT INTO keep_me VALUES (1)');
      await db.close();
      const r = await runCli(
        ['restore', 'database', '--json', '--from', list.backups[0].file, '--database', target],
        env,
      );
      assert.equal(r.code, 1);
      assert.equal(jsonOut(r.stdout).error, 'RESTORE_TARGET_NOT_EMPTY');
      const after = await openDatabase(target);
      try {
        assert.deepEqual((await after.query('SELECT * FROM keep_me')).rows, [{ id: 1 }]);
      } finally {
        await after.close();
      }
    });
  });
}

describe('backup crash safety and exclusivity (server)', () => {
  const fx = serverFixture();
  const root = tempDir('smgr-crash-');
  const f = files(root);
  const env = { home: f('home'), computerName: 'ms01' };
  let url = '';
  after(async () => {
    await fx.cleanup();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('kill -9 at several points: never a .smbak that is not whole; list hides leftovers; the last good archive restores', async () => {
    url = await fx.newDatabaseUrl();
    await setupGroup(env, url, f);
    const db = await openDatabase(url);
    await db.query(
      `INSERT INTO work_items (class, display_id, title, description, status, properties)
       SELECT 'incident', 'IR' || g, 'Item ' || g, md5(g::text) || repeat(md5((g * 7)::text), 20), 'active',
              jsonb_build_object('n', g, 'tag', md5(g::text))
         FROM generate_series(1, 60000) g`,
    );
    await db.close();
    const dir = f('crash');
    const spawnBackup = () => {
      const child = spawn(process.execPath, [CLI, 'backup', 'create', '--to', dir], {
        env: { ...process.env, SMGR_HOME: env.home, SMGR_COMPUTER_NAME: 'ms01' },
        stdio: 'ignore',
      });
      return { child, exited: new Promise<number | null>((r) => child.on('exit', r)) };
    };
    /** Resolves once a .partial archive holds at least `bytes` (or the backup has exited). */
    const partialReaches = async (bytes: number, exited: Promise<unknown>) => {
      let done = false;
      void exited.then(() => {
        done = true;
      });
      for (;;) {
        if (done) return;
        const partial = fs.readdirSync(dir).find((n) => n.endsWith('.smbak.partial'));
        const size = partial
          ? (fs.statSync(path.join(dir, partial), { throwIfNoEntry: false })?.size ?? -1)
          : -1;
        if (size >= bytes) return;
        await new Promise((r) => setTimeout(r, 2));
      }
    };
    // One whole backup first, for the archive's size; then kills at fractions of it, so each
    // lands while the archive is being written, however fast or loaded the machine is.
    fs.mkdirSync(dir, { recursive: true });
    const first = spawnBackup();
    assert.equal(await first.exited, 0);
    const whole = fs.statSync(path.join(dir, fs.readdirSync(dir).find((n) => n.endsWith('.smbak'))!)).size;
    assert.ok(whole > 1_000_000, `the archive is big enough to kill mid-write (${whole} bytes)`);
    let killedMidWrite = 0;
    for (const fraction of [0, 0.2, 0.4, 0.6, 0.8]) {
      const { child, exited } = spawnBackup();
      await partialReaches(Math.round(whole * fraction), exited);
      child.kill('SIGKILL');
      await exited;
      if (fs.readdirSync(dir).some((n) => n.endsWith('.smbak.partial'))) killedMidWrite++;
      for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.smbak'))) {
        const v = await runCli(['backup', 'verify', path.join(dir, name)], env);
        assert.equal(v.code, 0, `${name} after a kill at ${fraction}: ${v.stderr}`);
      }
      const listed = JSON.parse(
        (await runCli(['backup', 'list', '--json', '--dir', dir], env)).stdout,
      ).backups;
      assert.ok(listed.every((b: { file: string }) => b.file.endsWith('.smbak')));
    }
    assert.ok(killedMidWrite >= 4, `only ${killedMidWrite} kills landed while an archive was being written`);
    const listed = JSON.parse((await runCli(['backup', 'list', '--json', '--dir', dir], env)).stdout).backups;
    const target = await fx.newDatabaseUrl();
    const r = await runCli(['restore', 'database', '--from', listed[0].file, '--database', target], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /every count and hash checked/);
  });

  test('a second concurrent backup is refused, on this computer and from another', async () => {
    const dir = f('excl');
    const holder = await holdLock(path.join(env.home, 'backup.lock')); // a backup running on this computer
    try {
      const r = await runCli(['backup', 'create', '--json', '--to', dir], env);
      assert.equal(r.code, 11);
      const err = jsonOut(r.stdout);
      assert.equal(err.error, 'BACKUP_IN_PROGRESS');
      assert.match(err.message, new RegExp(`process ${holder.pid} on this computer`));
    } finally {
      await holder.kill();
    }
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCKS.groupBackup]);
      const r = await runCli(['backup', 'create', '--json', '--to', dir], env);
      assert.equal(r.code, 11);
      assert.match(jsonOut(r.stdout).message, /another computer of the group/);
    } finally {
      await other.query('ROLLBACK');
      await other.end();
    }
    assert.deepEqual(fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith('.smbak')) : [], []);
  });
});
