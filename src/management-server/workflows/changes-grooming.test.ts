/**
 * Grooming of the change feed (ServiceManager migration v9) on both engines: a change is deleted
 * only when older than the retention AND at or before the position the registered DW acknowledged
 * (all old ones when no DW is registered); the groomed horizon moves with it; a reader whose
 * cursor is below the horizon gets CHANGES_GROOMED naming both positions, never a feed with a hole.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ENGINES } from '../../../test/support/engines.js';
import { eventually } from '../../../test/support/eventually.js';
import { insertItem, openClaimedGroup, schedulerFor } from '../../../test/support/workflows.js';
import type { Database } from '../../db/database.js';
import { isSmgrError } from '../../errors/smgr-error.js';
import { acknowledgePosition, readChanges } from '../change-feed.js';
import { groomingWorkflow } from './grooming.js';
import { summarizeRuns } from './run-history.js';

const settings = { intervalMs: 1, retentionDays: 30, batchSize: 2 };

/**
 * The positions the feed delivers after `after`, once it delivers every change held: on a shared
 * PostgreSQL server the feed holds back changes behind a transaction of another database that
 * ended while it read (change-feed.ts: it delays, never skips), so one read may come short.
 */
async function positions(db: Database, after?: string): Promise<string[]> {
  const [epoch, xid, id] = (after ?? '0-0-0').split('-');
  const held = async () =>
    (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM changes
          WHERE (epoch, xid, id) > ($1::integer, $2::text::xid8, $3::bigint)`,
        [epoch, xid, id],
      )
    ).rows[0]!.n;
  let got: string[] = [];
  await eventually('the feed to deliver every change it holds', async () => {
    got = (await readChanges(db, after, 1000)).changes.map((c) => c.position);
    return got.length >= (await held());
  });
  return got;
}

async function groom(db: Database, tenure: Parameters<typeof schedulerFor>[1]): Promise<number> {
  await schedulerFor(db, tenure, [groomingWorkflow(settings)]).runDue();
  return (await summarizeRuns(db))[0]!.last!.counts.changes ?? -1;
}

async function horizon(db: Database): Promise<string | undefined> {
  const r = await db.query<{ h: string }>(
    `SELECT epoch::text || '-' || xid::text || '-' || id::text AS h FROM changes_groomed`,
  );
  return r.rows[0]?.h;
}

for (const makeFixture of ENGINES) {
  const fx = makeFixture();
  describe(`grooming of the change feed (${fx.name})`, () => {
    after(() => fx.cleanup());

    test('deletes old changes the DW acknowledged, never others; a cursor below the horizon is refused', async () => {
      const { db, tenure } = await openClaimedGroup(fx);
      try {
        for (let i = 0; i < 8; i++) await insertItem(db, { status: 'active', createdDaysAgo: 1 });
        const all = await positions(db);
        assert.ok(all.length >= 8);
        // The first six changes are older than the retention; the rest are recent.
        const old = all.slice(0, 6);
        for (const p of old) {
          const [epoch, xid, id] = p.split('-');
          await db.query(
            `UPDATE changes SET at = now() - interval '40 days'
              WHERE epoch = $1::integer AND xid = $2::text::xid8 AND id = $3::bigint`,
            [epoch, xid, id],
          );
        }
        // A DW registered that has acknowledged nothing yet: nothing is groomed.
        await db.query(
          `INSERT INTO key_records (key_id, part, verifier, wrapped_dek)
           VALUES ('dw-00000000000000aa', 'data-warehouse', '\\x00', '\\x00')`,
        );
        await db.query(
          `INSERT INTO data_warehouse (id, name, computer_name, key_id, service_user)
           VALUES (gen_random_uuid(), 'Contoso DW', 'dw01', 'dw-00000000000000aa', 'dw-svc')`,
        );
        const t = () => tenure;
        assert.equal(await groom(db, t), 0);
        assert.deepEqual(await positions(db), all);

        // Another user's read acknowledges nothing.
        await acknowledgePosition(db, 'admin', all[4]);
        assert.equal(await groom(db, t), 0);

        // The DW acknowledged the fourth change: the first four (all old) go, in batches of two.
        await acknowledgePosition(db, 'dw-svc', all[3]);
        assert.equal(await groom(db, t), 4);
        assert.deepEqual(await positions(db), all.slice(4));
        assert.equal(await horizon(db), all[3]);

        // The DW's cursor at the horizon or past it reads on; below it: CHANGES_GROOMED, naming both.
        assert.deepEqual(await positions(db, all[3]), all.slice(4));
        await assert.rejects(readChanges(db, all[1], 1000), (e: unknown) => {
          assert.ok(isSmgrError(e) && e.code === 'CHANGES_GROOMED');
          assert.ok(e.message.includes(all[1]!) && e.message.includes(all[3]!), e.message);
          return true;
        });
        // Without a cursor (a DW rebuilt from nothing): what is still held.
        assert.deepEqual(await positions(db), all.slice(4));

        // Acknowledged past every change: only the old ones go, the recent ones stay.
        await acknowledgePosition(db, 'dw-svc', all.at(-1));
        assert.equal(await groom(db, t), 2);
        assert.deepEqual(await positions(db), all.slice(6));
        assert.equal(await horizon(db), all[5]);

        // A DW that reads from an older position (restored from an older archive) moves its
        // acknowledgment back: grooming then deletes nothing it still needs.
        await acknowledgePosition(db, 'dw-svc', all[5]);
        await db.query(`UPDATE changes SET at = now() - interval '40 days'`);
        assert.equal(await groom(db, t), 0);
        assert.deepEqual(await positions(db), all.slice(6));

        // No DW registered: every old change goes.
        await db.query('DELETE FROM data_warehouse');
        assert.equal(await groom(db, t), all.length - 6);
        assert.deepEqual(await positions(db), []);
        assert.equal(await horizon(db), all.at(-1));
      } finally {
        await db.close();
      }
    });
  });
}
