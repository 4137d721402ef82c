/** Setup with a new and with an existing database, on both engines: results and every refusal. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ENGINES, tempDir } from '../../test/support/engines.js';
import { dumpDatabaseAt, snapshotDir } from '../../test/support/snapshot.js';
import { homePaths } from '../computer/home.js';
import { readConfig } from '../config/config-file.js';
import { openDatabase } from '../db/open-database.js';
import { isSmgrError } from '../errors/smgr-error.js';
import { SecureStorage } from '../secure-storage/secure-storage.js';
import { heartbeat, listRegistrations, recordCleanStop } from './registration.js';
import { requireNameFree } from './require-name-free.js';
import { setupExistingDatabase } from './setup-existing-database.js';
import { setupNewDatabase } from './setup-new-database.js';

const roots: string[] = [];
const newHome = () => {
  const d = tempDir('smgr-home-');
  roots.push(d);
  return homePaths(d);
};
after(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

const code = (c: string) => (e: unknown) => isSmgrError(e) && e.code === c;

for (const makeFixture of ENGINES) {
  const fx = makeFixture();
  describe(`setup (${fx.name})`, () => {
    after(() => fx.cleanup());

    const setupNew = async (url: string, home = newHome()) => {
      const r = await setupNewDatabase({
        home,
        computerName: 'ms01',
        groupName: 'Contoso SM',
        databaseUrl: url,
        adminUser: 'admin',
        adminPassword: 'correct horse',
      });
      return { r, home };
    };

    test('new database: group, key record, registration, admin, config, key in secure storage', async () => {
      const url = await fx.newDatabaseUrl();
      const { r, home } = await setupNew(url);
      assert.equal(r.role, 'workflow');
      const config = readConfig(home)!;
      assert.equal(config.parts['management-server']?.managementGroup.name, 'Contoso SM');
      assert.equal(config.parts['management-server']?.keyId, r.keyId);
      assert.ok(!JSON.stringify(config).includes('correct horse'));
      const keys = SecureStorage.open(home.secureStorage).listKeys();
      assert.deepEqual(
        keys.map((k) => k.keyId),
        [r.keyId],
      );
      const db = await openDatabase(url);
      try {
        const regs = await listRegistrations(db);
        assert.deepEqual(
          regs.map((g) => [g.computerName, g.part, g.role]),
          [['ms01', 'management-server', 'workflow']],
        );
        const kr = await db.query<{ verifier: Buffer; wrapped_dek: Buffer }>('SELECT * FROM key_records');
        assert.equal(kr.rowCount, 1);
        assert.ok(!kr.rows[0]!.wrapped_dek.includes(keys[0]!.kek), 'no KEK in the database');
      } finally {
        await db.close();
      }
    });

    test('new database refused when the database already holds a group; nothing changed', async () => {
      const url = await fx.newDatabaseUrl();
      await setupNew(url);
      const home = newHome();
      const before = await dumpDatabaseAt(url);
      await assert.rejects(
        setupNew(url, home),
        (e) => code('DATABASE_NOT_EMPTY')(e) && /Contoso SM/.test((e as Error).message),
      );
      assert.equal(await dumpDatabaseAt(url), before);
      assert.deepEqual(Object.keys(snapshotDir(home.root)), ['./'], 'the new home is still empty');
    });

    test('new database refused when this home is already installed; nothing changed', async () => {
      const { home } = await setupNew(await fx.newDatabaseUrl());
      const url2 = await fx.newDatabaseUrl();
      const beforeHome = snapshotDir(home.root);
      await assert.rejects(setupNew(url2, home), code('ALREADY_INSTALLED'));
      assert.deepEqual(snapshotDir(home.root), beforeHome);
    });

    test('new database refused for a database with foreign tables; nothing changed', async () => {
      const url = await fx.newDatabaseUrl();
      const db = await openDatabase(url);
      await db.query('CREATE TABLE customers (id int)');
      await db.close();
      const home = newHome();
      const before = await dumpDatabaseAt(url);
      await assert.rejects(setupNew(url, home), code('DATABASE_HAS_TABLES'));
      assert.equal(await dumpDatabaseAt(url), before);
      assert.deepEqual(Object.keys(snapshotDir(home.root)), ['./'], 'no key, no config, no directories');
    });

    test('a short admin password is refused before anything is created', async () => {
      const home = newHome();
      const url = await fx.newDatabaseUrl();
      await assert.rejects(
        setupNewDatabase({
          home,
          computerName: 'ms01',
          groupName: 'G',
          databaseUrl: url,
          adminUser: 'a',
          adminPassword: 'short',
        }),
        code('PASSWORD_TOO_SHORT'),
      );
      assert.deepEqual(Object.keys(snapshotDir(home.root)), ['./']);
    });

    test('existing database without the key: refused naming the key id; database and home unchanged', async () => {
      const url = await fx.newDatabaseUrl();
      const { r } = await setupNew(url);
      const home = newHome();
      const before = await dumpDatabaseAt(url);
      const beforeHome = snapshotDir(home.root);
      await assert.rejects(
        setupExistingDatabase({ home, computerName: 'ms01', databaseUrl: url }),
        (e) =>
          code('KEY_MISSING')(e) &&
          (e as Error).message.includes(r.keyId) &&
          /smgr key restore/.test((e as { remedy: string }).remedy),
      );
      assert.equal(await dumpDatabaseAt(url), before);
      assert.deepEqual(snapshotDir(home.root), beforeHome);
    });

    test('existing database: rebinds to the same name, keeps its role; refused while that server is alive', async () => {
      const url = await fx.newDatabaseUrl();
      const { home: oldHome } = await setupNew(url);
      const home = newHome();
      fs.cpSync(oldHome.secureStorage, home.secureStorage, { recursive: true }); // the key, restored
      const db = await openDatabase(url);
      await heartbeat(db, 'ms01', 'management-server');
      await db.close();
      const before = await dumpDatabaseAt(url);
      await assert.rejects(
        setupExistingDatabase({ home, computerName: 'ms01', databaseUrl: url }),
        code('SERVER_NAME_IN_USE'),
      );
      assert.equal(await dumpDatabaseAt(url), before);
      assert.equal(readConfig(home), undefined);

      const db2 = await openDatabase(url);
      await recordCleanStop(db2, 'ms01', 'management-server');
      await db2.close();
      const r = await setupExistingDatabase({ home, computerName: 'ms01', databaseUrl: url });
      assert.equal(r.rebound, true);
      assert.equal(r.role, 'workflow');
      assert.equal(readConfig(home)?.computerName, 'ms01');
    });

    test('existing database: --force takes over a registration that still looks alive, and audits it', async () => {
      const url = await fx.newDatabaseUrl();
      const { home: oldHome } = await setupNew(url);
      const home = newHome();
      fs.cpSync(oldHome.secureStorage, home.secureStorage, { recursive: true });
      const db = await openDatabase(url);
      await heartbeat(db, 'ms01', 'management-server');
      await db.close();
      const r = await setupExistingDatabase({ home, computerName: 'ms01', databaseUrl: url, force: true });
      assert.equal(r.rebound, true);
      const check = await openDatabase(url);
      try {
        const a = await check.query<{ details: { forced: boolean } }>(
          `SELECT details FROM audit_log WHERE action = 'management-server.rebound'`,
        );
        assert.deepEqual(
          a.rows.map((x) => x.details.forced),
          [true],
        );
      } finally {
        await check.close();
      }
    });

    test('existing database: the refusal says how long the name stays taken, and offers --wait', async () => {
      const url = await fx.newDatabaseUrl();
      const { home: oldHome } = await setupNew(url);
      const home = newHome();
      fs.cpSync(oldHome.secureStorage, home.secureStorage, { recursive: true });
      const db = await openDatabase(url);
      await heartbeat(db, 'ms01', 'management-server');
      await db.query(
        `UPDATE computers SET last_heartbeat = now() - interval '5 seconds' WHERE computer_name = 'ms01'`,
      );
      await db.close();
      const before = await dumpDatabaseAt(url);
      const beforeHome = snapshotDir(home.root);
      await assert.rejects(setupExistingDatabase({ home, computerName: 'ms01', databaseUrl: url }), (e) => {
        assert.ok(isSmgrError(e) && e.code === 'SERVER_NAME_IN_USE');
        const left = Number(/counts as gone (\d+) s from now/.exec(e.message)?.[1]);
        assert.ok(left >= 1 && left <= 55, e.message); // 55 s at most: the heartbeat was 5 s old
        assert.match(e.remedy, new RegExp(`run again in ${left} s, or with --wait`));
        return true;
      });
      assert.equal(await dumpDatabaseAt(url), before);
      assert.deepEqual(snapshotDir(home.root), beforeHome);
    });

    test('--wait: waits while the name looks alive, goes on once the server is gone, refuses if it heartbeats again', async () => {
      const url = await fx.newDatabaseUrl();
      await setupNew(url);
      const db = await openDatabase(url);
      try {
        const beat = (age: number) =>
          db.query(
            `UPDATE computers SET last_heartbeat = now() - make_interval(secs => $1), stopped_at = NULL
              WHERE computer_name = 'ms01'`,
            [age],
          );
        // Not alive: nothing to wait for (aliveLeftS 0), nothing said.
        await recordCleanStop(db, 'ms01', 'management-server');
        const notices: string[] = [];
        const free = await requireNameFree(db, 'ms01', 'management-server', {
          wait: true,
          onWait: (m) => notices.push(m),
        });
        assert.equal(free?.alive, false);
        assert.equal(free?.aliveLeftS, 0);
        assert.deepEqual(notices, []);

        // Alive for ~55 s more (a margin for a busy machine): the wait says so, and ends when the server records its clean stop.
        await beat(5);
        const said: string[] = [];
        let stopped: Promise<void> | undefined;
        const gone = await requireNameFree(db, 'ms01', 'management-server', {
          wait: true,
          onWait: (m) => {
            said.push(m);
            stopped = recordCleanStop(db, 'ms01', 'management-server');
          },
        });
        await stopped;
        assert.equal(gone?.alive, false);
        assert.equal(said.length, 1);
        assert.match(said[0]!, /^ms01 last heartbeated at \S+: waiting \d+ s until its name is free/);

        // The server heartbeats during the wait: it is running, so the wait ends in the refusal.
        await beat(5);
        let beaten: Promise<void> | undefined;
        await assert.rejects(
          requireNameFree(db, 'ms01', 'management-server', {
            wait: true,
            onWait: () => {
              beaten = heartbeat(db, 'ms01', 'management-server');
            },
          }),
          code('SERVER_NAME_IN_USE'),
        );
        await beaten;
      } finally {
        await db.close();
      }
    });

    test('existing database: a new name is a secondary on a server, refused on an embedded group', async () => {
      const url = await fx.newDatabaseUrl();
      const { home: oldHome } = await setupNew(url);
      const home = newHome();
      fs.cpSync(oldHome.secureStorage, home.secureStorage, { recursive: true });
      if (fx.name === 'server') {
        const r = await setupExistingDatabase({ home, computerName: 'ms02', databaseUrl: url });
        assert.equal(r.role, 'secondary');
        assert.equal(r.rebound, false);
      } else {
        const before = await dumpDatabaseAt(url);
        await assert.rejects(
          setupExistingDatabase({ home, computerName: 'ms02', databaseUrl: url }),
          code('EMBEDDED_SINGLE_SERVER'),
        );
        assert.equal(await dumpDatabaseAt(url), before);
      }
    });

    test('existing database: a database with no group is refused, and an absent embedded directory is not created', async () => {
      const home = newHome();
      const missing = path.join(tempDir(), 'nothing-here');
      await assert.rejects(
        setupExistingDatabase({ home, computerName: 'ms01', databaseUrl: `pglite:${missing}` }),
        code('DATABASE_NO_GROUP'),
      );
      assert.equal(fs.existsSync(missing), false);
      await assert.rejects(
        setupExistingDatabase({ home, computerName: 'ms01', databaseUrl: await fx.newDatabaseUrl() }),
        code('DATABASE_NO_GROUP'),
      );
    });
  });
}
