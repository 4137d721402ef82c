/**
 * The change feed's cursor on both engines (issue 9 item 4): every write to
 * work items, their history, configuration items and users is a change
 * (users by id and name only); pages follow each other without gap or
 * repeat; a restore's rows (smgr.change_feed off) are not changes. On the
 * server, two concurrent writers where the one that took its position first
 * commits last: the reader never passes it, and gets it after it commits.
 * (PGlite runs one transaction at a time, so no writer can commit late there.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES } from '../../test/support/engines.js';
import { eventually } from '../../test/support/eventually.js';
import type { Database } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { serviceManagerMigrations } from '../db/migrations/service-manager.js';
import { isSmgrError } from '../errors/smgr-error.js';
import {
  type Change,
  type ChangeTextPage,
  changePageJson,
  readChanges,
  readChangeTexts,
} from './change-feed.js';

let seq = 0;
const insertItem = (db: Pick<Database, 'query'>, title: string) =>
  db.query(
    `INSERT INTO work_items (class, display_id, title, status) VALUES ('incident', $1, $2, 'active') RETURNING id`,
    [`IR${++seq}`, title],
  );

/** Reads the whole feed from `cursor` in pages of `limit`. */
async function drain(
  db: Database,
  cursor: string | null,
  limit = 3,
): Promise<{ changes: Change[]; cursor: string | null }> {
  const changes: Change[] = [];
  for (;;) {
    const page = await readChanges(db, cursor ?? undefined, limit);
    changes.push(...page.changes);
    cursor = page.next;
    if (!page.more) return { changes, cursor };
  }
}

/** The change texts after `cursor`, waiting (with a deadline) until at least one has come. */
async function drainTexts(db: Database, cursor: string | null): Promise<ChangeTextPage> {
  let page: ChangeTextPage = { changes: [], next: cursor, more: false };
  await eventually('a change in the feed', async () => {
    page = await readChangeTexts(db, cursor ?? undefined, 100);
    return page.changes.length > 0;
  });
  return page;
}

/**
 * Drains until `n` changes have come. On a shared PostgreSQL server the feed
 * holds back every change behind the oldest transaction still running in the
 * cluster (other tests' databases too): waits for them, with a deadline.
 */
async function drainExpecting(
  db: Database,
  cursor: string | null,
  n: number,
  limit = 3,
): Promise<{ changes: Change[]; cursor: string | null }> {
  const changes: Change[] = [];
  await eventually(`${n} changes in the feed`, async () => {
    const page = await drain(db, cursor, limit);
    changes.push(...page.changes);
    cursor = page.cursor;
    return changes.length >= n;
  });
  return { changes, cursor };
}

for (const makeFixture of ENGINES) {
  const fx = makeFixture();
  describe(`change feed (${fx.name})`, () => {
    let db: Database;
    before(async () => {
      db = await fx.open(await fx.newDatabaseUrl());
      await migrate(db, serviceManagerMigrations);
    });
    after(async () => {
      await db.close();
      await fx.cleanup();
    });

    test('work items, history, configuration items and users; users by id and name only; pages without gap or repeat', async () => {
      const id = (await insertItem(db, 'first')).rows[0]!.id;
      await db.query(`UPDATE work_items SET status = 'resolved' WHERE id = $1`, [id]);
      await db.query(
        `INSERT INTO work_item_history (work_item_id, actor, change) VALUES ($1, 'ana', '{"status":"resolved"}')`,
        [id],
      );
      await db.query(`INSERT INTO config_items (class, name) VALUES ('computer', 'pc1')`);
      await db.query(
        `INSERT INTO users (username, password_hash, role) VALUES ('eve', 'secret-hash', 'end-user')`,
      );
      await db.query(`UPDATE users SET display_name = 'Eve' WHERE username = 'eve'`);
      await db.query(`DELETE FROM config_items WHERE name = 'pc1'`);
      const { changes, cursor } = await drainExpecting(db, null, 6, 2);
      assert.deepEqual(
        changes.map((c) => `${c.kind}:${c.op}`),
        [
          'work-item:insert',
          'work-item:update',
          'work-item-history:insert',
          'config-item:insert',
          'user:insert',
          'config-item:delete',
        ],
      );
      assert.deepEqual(Object.keys(changes[4]!.data).sort(), ['id', 'username']);
      assert.ok(!JSON.stringify(changes).includes('secret-hash'));
      assert.equal(new Set(changes.map((c) => c.position)).size, changes.length);
      assert.deepEqual((await readChanges(db, cursor ?? undefined, 10)).changes, [], 'nothing after the end');
      await insertItem(db, 'second');
      const next = await drainExpecting(db, cursor, 1);
      assert.deepEqual(
        next.changes.map((c) => c.data.title),
        ['second'],
      );
    });

    test('a change as JSON built by the database: the fields and values a parsed and re-serialized row had', async () => {
      const { cursor } = await drain(db, null, 100);
      const data = {
        title: 'tab\tquote" back\\slash é 𝄞',
        n: 1.5,
        big: 9007199254740991,
        nested: { a: [1, null, true] },
      };
      await db.query(
        `INSERT INTO changes (epoch, xid, kind, op, entity_id, at, data)
         VALUES ((SELECT coalesce(max(epoch), 1) FROM change_feed), pg_current_xact_id(), 'config-item', 'update', 4242,
                 '2026-01-02 03:04:05.678999+00', $1::jsonb)`,
        [JSON.stringify(data)],
      );
      const texts = await drainTexts(db, cursor);
      assert.equal(texts.changes.length, 1);
      const change = JSON.parse(texts.changes[0]!) as Change;
      assert.deepEqual(Object.keys(change), ['position', 'kind', 'op', 'id', 'at', 'data']);
      assert.match(change.position, /^\d+-\d+-\d+$/);
      assert.deepEqual(
        { ...change, position: undefined },
        // Date.toISOString of the row's time: UTC, cut to the millisecond.
        {
          position: undefined,
          kind: 'config-item',
          op: 'update',
          id: 4242,
          at: '2026-01-02T03:04:05.678Z',
          data,
        },
      );
      const page = JSON.parse(changePageJson(texts));
      assert.deepEqual(page, { changes: [change], next: change.position, more: false });
      assert.deepEqual(JSON.parse(changePageJson({ changes: [], next: null, more: false })), {
        changes: [],
        next: null,
        more: false,
      });
    });

    test('a restore (smgr.change_feed off) records no change, then a new epoch; a bad cursor is refused', async () => {
      const { cursor } = await drain(db, null, 100);
      await db.transaction(async (tx) => {
        await tx.query("SELECT set_config('smgr.change_feed', 'off', true)");
        await insertItem(tx, 'restored');
      });
      assert.deepEqual((await readChanges(db, cursor ?? undefined, 10)).changes, []);
      // A restore into another cluster: transaction ids restart lower, so the restore starts a new epoch.
      await db.query('INSERT INTO change_feed (epoch) VALUES (2)');
      await db.query(
        `INSERT INTO changes (epoch, xid, kind, op, entity_id, data)
         VALUES (2, '5'::xid8, 'config-item', 'insert', 99, '{"name":"low xid"}')`,
      );
      await insertItem(db, 'after the restore');
      const next = await drainExpecting(db, cursor, 2);
      assert.deepEqual(
        next.changes.map((c) => c.data.name ?? c.data.title),
        ['low xid', 'after the restore'],
        'a lower transaction id in the new epoch is not skipped',
      );
      await assert.rejects(
        readChanges(db, '12; DROP TABLE changes', 10),
        (e) => isSmgrError(e) && e.code === 'CHANGE_CURSOR_INVALID',
      );
    });

    if (fx.name === 'server') {
      test('two concurrent writers, the first one commits late: the reader never skips its change', async () => {
        let { cursor } = await drain(db, null, 100);
        let release!: () => void;
        const gate = new Promise<void>((r) => {
          release = r;
        });
        let started!: () => void;
        const hasXid = new Promise<void>((r) => {
          started = r;
        });
        // Writer A takes its transaction id first, then waits; writer B writes and commits meanwhile.
        const writerA = db.transaction(async (tx) => {
          await tx.query('SELECT pg_current_xact_id()');
          started();
          await gate;
          await insertItem(tx, 'A (late)');
        });
        await hasXid;
        await insertItem(db, 'B (early)');
        const seen: Change[] = [];
        const early = await drain(db, cursor);
        seen.push(...early.changes);
        cursor = early.cursor;
        assert.equal(
          seen.length,
          0,
          'B is held back while A, which took its position first, is still running',
        );
        release();
        await writerA;
        const late = await drainExpecting(db, cursor, 2);
        seen.push(...late.changes);
        assert.deepEqual(seen.map((c) => c.data.title).sort(), ['A (late)', 'B (early)']);
        assert.deepEqual((await readChanges(db, late.cursor ?? undefined, 10)).changes, []);
      });

      test('many writers committing in random order: every change delivered exactly once', async () => {
        let { cursor } = await drain(db, null, 100);
        const seen: Change[] = [];
        const writers = Array.from({ length: 12 }, (_, i) =>
          db.transaction(async (tx) => {
            await insertItem(tx, `w${i}`);
            await new Promise((r) => setImmediate(r));
            if (i % 3 === 0) await insertItem(tx, `w${i}b`);
          }),
        );
        let done = false;
        const all = Promise.all(writers).then(() => {
          done = true;
        });
        while (!done) {
          const page = await drain(db, cursor, 2);
          seen.push(...page.changes);
          cursor = page.cursor;
        }
        await all;
        seen.push(...(await drainExpecting(db, cursor, 16 - seen.length, 2)).changes);
        const titles = seen.map((c) => String(c.data.title)).sort();
        assert.equal(titles.length, 16);
        assert.equal(new Set(titles).size, 16, 'no change twice');
      });
    }
  });
}
