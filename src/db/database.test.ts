/** The data-layer suite, run on both engines (embedded PGlite and the PostgreSQL server). */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ENGINES } from '../../test/support/engines.js';
import { isSmgrError } from '../errors/smgr-error.js';
import type { Database } from './database.js';
import { isEmptyDatabase, latestVersion, migrate, schemaVersion } from './migrate.js';
import { serviceManagerMigrations } from './migrations/service-manager.js';

async function* chunks(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield Buffer.from(p);
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<string> {
  const out: Buffer[] = [];
  for await (const c of it) out.push(Buffer.from(c));
  return Buffer.concat(out).toString('utf8');
}

for (const makeFixture of ENGINES) {
  const fx = makeFixture();
  describe(`database (${fx.name})`, () => {
    let db: Database;
    before(async () => {
      db = await fx.open(await fx.newDatabaseUrl());
      await db.query('CREATE TABLE t (id int PRIMARY KEY, name text, data bytea, n bigint)');
    });
    after(async () => {
      await db.close();
      await fx.cleanup();
    });

    test('reports its engine and a server version', async () => {
      assert.equal(db.engine, fx.name);
      assert.match(await db.serverVersion(), /^\d+/);
    });

    test('parameters are values, never SQL', async () => {
      const evil = "x'); DROP TABLE t; --";
      await db.query('INSERT INTO t (id, name) VALUES ($1, $2)', [1, evil]);
      const r = await db.query<{ name: string }>('SELECT name FROM t WHERE id = $1', [1]);
      assert.equal(r.rows[0]?.name, evil);
      await db.query('DELETE FROM t');
    });

    test('bytea comes back as Buffer and int8 as number on both engines', async () => {
      await db.query('INSERT INTO t (id, data, n) VALUES ($1, $2, $3)', [
        2,
        Buffer.from([0, 1, 255]),
        9_007_199_254,
      ]);
      const r = await db.query<{ data: Buffer; n: number }>('SELECT data, n FROM t WHERE id = 2');
      assert.ok(Buffer.isBuffer(r.rows[0]?.data));
      assert.deepEqual([...r.rows[0]!.data], [0, 1, 255]);
      assert.equal(r.rows[0]?.n, 9_007_199_254);
      await db.query('DELETE FROM t');
    });

    test('a transaction that throws leaves nothing behind', async () => {
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO t (id, name) VALUES (10, $1)', ['gone']);
          throw new Error('boom');
        }),
        /boom/,
      );
      const r = await db.query('SELECT * FROM t WHERE id = 10');
      assert.equal(r.rowCount, 0);
    });

    test('a transaction commits all its statements', async () => {
      await db.transaction(async (tx) => {
        await tx.query("INSERT INTO t (id, name) VALUES (20, 'a')");
        await tx.query("INSERT INTO t (id, name) VALUES (21, 'b')");
      });
      const r = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM t WHERE id IN (20, 21)');
      assert.equal(r.rows[0]?.n, 2);
      await db.query('DELETE FROM t');
    });

    test('COPY streams rows out and in (text format), round trip exact', async () => {
      await db.query(
        "INSERT INTO t (id, name, data, n) VALUES (1, 'tab\there', '\\x00ff', 5), (2, NULL, NULL, NULL)",
      );
      const dump = await db.transaction((tx) =>
        collect(tx.copyOut('(SELECT id, name, data, n FROM t ORDER BY id)')),
      );
      assert.equal(dump, '1\ttab\\there\t\\\\x00ff\t5\n2\t\\N\t\\N\t\\N\n');
      await db.query('CREATE TABLE t2 (LIKE t)');
      const loaded = await db.transaction((tx) =>
        tx.copyIn('t2 (id, name, data, n)', chunks(dump.slice(0, 7), dump.slice(7))),
      );
      assert.equal(loaded, 2);
      const back = await db.transaction((tx) =>
        collect(tx.copyOut('(SELECT id, name, data, n FROM t2 ORDER BY id)')),
      );
      assert.equal(back, dump);
      await db.query('DROP TABLE t2');
      await db.query('DELETE FROM t');
    });

    test('a failed COPY IN rolls the transaction back', async () => {
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query("INSERT INTO t (id, name) VALUES (30, 'x')");
          await tx.copyIn('t (id, name)', chunks('31\tok\nnot-a-number\tbad\n'));
        }),
      );
      const r = await db.query('SELECT * FROM t WHERE id IN (30, 31)');
      assert.equal(r.rowCount, 0);
    });

    test('copyTableOut reads a whole table of many heap pages in its snapshot, as COPY text', async () => {
      // ~2,500 pages: more than two of PGlite's page ranges.
      await db.query('CREATE TABLE big (id int, pad text)');
      await db.query("INSERT INTO big SELECT g, repeat('p', 700) FROM generate_series(1, 25000) g");
      const text = await db.transaction(
        async (tx) => {
          const out = await collect(tx.copyTableOut('big', ['id']));
          if (fx.name === 'server') await db.query('INSERT INTO big VALUES (99999, null)');
          return out;
        },
        { isolation: 'repeatable read', readOnly: true },
      );
      const ids = text.trimEnd().split('\n').map(Number);
      assert.equal(ids.length, 25000);
      assert.deepEqual(
        [...ids].sort((a, b) => a - b),
        Array.from({ length: 25000 }, (_, i) => i + 1),
      );
      await db.query('DROP TABLE big');
    });

    test('a COPY out abandoned half-way ends its transaction at once, and the database stays usable', async () => {
      await db.query(
        'CREATE TABLE big2 AS SELECT g AS id, repeat(md5(g::text), 20) AS pad FROM generate_series(1, 50000) g',
      );
      await assert.rejects(
        db.transaction(async (tx) => {
          for await (const _ of tx.copyTableOut('big2', ['id', 'pad'])) throw new Error('reader stopped');
        }),
        /reader stopped/,
      );
      for (let i = 0; i < 12; i++)
        assert.equal((await db.query<{ n: number }>('SELECT 1 AS n')).rows[0]?.n, 1);
      await db.query('DROP TABLE big2');
    });

    test('capabilities: one process at a time on PGlite, parallel transactions on a server', async () => {
      assert.equal(db.singleProcess, fx.name === 'embedded');
      if (fx.name === 'embedded') assert.equal(db.parallelism, 1);
      else assert.ok(db.parallelism >= 2);
    });

    test('a named advisory lock is held until the transaction ends', async () => {
      await db.transaction(async (tx) => {
        assert.equal(await tx.tryLock('setup'), true);
        if (db.parallelism > 1) {
          // Another connection cannot take it meanwhile.
          assert.equal(await db.transaction((other) => other.tryLock('setup')), false);
        }
      });
      assert.equal(await db.transaction((tx) => tx.tryLock('setup')), true);
      await db.transaction(async (tx) => {
        await tx.lock('setup');
        await tx.tuneForBulkLoad();
      });
    });

    test('a session: its settings hold for its statements and never reach another user of the pool', async () => {
      const setting = "SELECT current_setting('smgr.test_setting', true) AS v";
      const seen = await db.session(
        async (s) => {
          await s.copyIn('t (id, name)', chunks('50\tsession\n'));
          // On a server each statement commits on its own: another connection sees the row at once.
          if (db.parallelism > 1) {
            const other = await db.transaction((tx) => tx.query('SELECT name FROM t WHERE id = 50'));
            assert.deepEqual(other.rows, [{ name: 'session' }]);
          }
          return (await s.query<{ v: string }>(setting)).rows[0]?.v;
        },
        { 'smgr.test_setting': 'on' },
      );
      assert.equal(seen, 'on');
      // Every connection of the pool, not only the next one, is without it.
      const after = await Promise.all(
        Array.from({ length: db.parallelism }, () =>
          db.transaction(async (tx) => (await tx.query<{ v: string | null }>(setting)).rows[0]?.v ?? ''),
        ),
      );
      assert.ok(
        after.every((v) => v === ''),
        JSON.stringify(after),
      );
      assert.deepEqual((await db.query('SELECT name FROM t WHERE id = 50')).rows, [{ name: 'session' }]);
      await db.query('DELETE FROM t');
    });

    test('repeatable read sees one snapshot', async () => {
      await db.query("INSERT INTO t (id, name) VALUES (40, 'before')");
      const seen = await db.transaction(
        async (tx) => {
          const first = await tx.query('SELECT count(*)::int AS n FROM t');
          if (fx.name === 'server') await db.query("INSERT INTO t (id, name) VALUES (41, 'during')");
          const second = await tx.query('SELECT count(*)::int AS n FROM t');
          return [first.rows[0]?.n, second.rows[0]?.n];
        },
        { isolation: 'repeatable read' },
      );
      assert.equal(seen[0], seen[1]);
      await db.query('DELETE FROM t');
    });
  });

  describe(`opening (${fx.name})`, () => {
    after(() => fx.cleanup());

    test('close({removeIfCreated}) removes an embedded directory that opening made, never a server database', async () => {
      const url = await fx.newDatabaseUrl();
      const db = await fx.open(url);
      await db.query('CREATE TABLE kept (id int)');
      await db.close({ removeIfCreated: true });
      if (fx.name === 'embedded') {
        assert.equal(fs.existsSync(url.slice('pglite:'.length)), false);
      } else {
        const again = await fx.open(url);
        try {
          assert.equal(await isEmptyDatabase(again), false);
        } finally {
          await again.close();
        }
      }
    });
  });

  describe(`migrations (${fx.name})`, () => {
    after(() => fx.cleanup());

    test('apply to an empty database, record the version, and are idempotent', async () => {
      const db = await fx.open(await fx.newDatabaseUrl());
      try {
        assert.equal(await isEmptyDatabase(db), true);
        assert.equal(await schemaVersion(db), 0);
        assert.equal(await migrate(db, serviceManagerMigrations), latestVersion(serviceManagerMigrations));
        assert.equal(await migrate(db, serviceManagerMigrations), latestVersion(serviceManagerMigrations));
        assert.equal(await isEmptyDatabase(db), false);
      } finally {
        await db.close();
      }
    });

    test('a reserved version that lands after a higher one is applied (migrations out of order)', async () => {
      const db = await fx.open(await fx.newDatabaseUrl());
      const set = (versions: number[]) => ({
        database: 'Test',
        migrations: versions.map((v) => ({ version: v, name: `v${v}`, sql: `CREATE TABLE t${v} (x int)` })),
      });
      try {
        assert.equal(await migrate(db, set([1, 7])), 7);
        assert.equal(await migrate(db, set([1, 5, 7])), 7);
        const r = await db.query<{ version: number }>('SELECT version FROM smgr_schema ORDER BY version');
        assert.deepEqual(
          r.rows.map((x) => x.version),
          [1, 5, 7],
        );
        await db.query('SELECT x FROM t5');
      } finally {
        await db.close();
      }
    });

    test('a database newer than this smgr is refused, unchanged', async () => {
      const db = await fx.open(await fx.newDatabaseUrl());
      try {
        await migrate(db, serviceManagerMigrations);
        await db.query("INSERT INTO smgr_schema (version, name) VALUES (999, 'future')");
        await assert.rejects(
          migrate(db, serviceManagerMigrations),
          (e) => isSmgrError(e) && e.code === 'SCHEMA_TOO_NEW',
        );
        assert.equal(await schemaVersion(db), 999);
      } finally {
        await db.close();
      }
    });
  });
}
