/**
 * Transform and Load on both engines (issue 11 items 1, 2): staged changes
 * (as Extract writes them) → versions with validity intervals, cleansed →
 * the star schema's dimensions and facts. Idempotent: running again, and
 * re-running every batch from scratch, leaves the repository and the data
 * mart identical; batches of 1 give the same mart as batches of 500.
 * Maintenance removes facts past the retention, never dimensions, and a
 * reload does not bring them back. MPSync is additive: an item gone from a
 * pack is hidden, never deleted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dumpDw } from '../../test/support/dw-mart.js';
import { ENGINES } from '../../test/support/engines.js';
import { silentProgress } from '../backup/progress.js';
import type { Database } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { builtInPacks } from '../management-packs/built-in-packs.js';
import type { Pack } from '../management-packs/pack-schema.js';
import { DW_DATABASES } from './dw-databases.js';
import type { JobTally } from './dw-job-run.js';
import { loadAll } from './load-job.js';
import { maintainDataMart } from './maintenance-job.js';
import { syncPacks } from './mpsync-job.js';
import { transformAll } from './transform-job.js';

interface Dbs {
  staging: Database;
  repository: Database;
  datamart: Database;
}

const tally = (): JobTally => ({ rows: 0, batches: 0, watermark: null });
const NOW = new Date('2026-11-30T12:00:00Z');
const T = (s: string) => `2026-11-${s}`;

let xid = 100;
const STAGING = {
  'work-item': 'staging_work_items',
  'work-item-history': 'staging_work_item_history',
  'config-item': 'staging_config_items',
  user: 'staging_users',
} as const;

interface Staged {
  kind: keyof typeof STAGING;
  op: 'insert' | 'update' | 'delete';
  id: number;
  at: string;
  data: Record<string, unknown>;
}

const classification = {
  format: 'smgr-management-pack',
  formatVersion: 1,
  id: 'contoso.desk',
  version: '1.0.0.0',
  name: 'Desk',
  enumerations: [
    {
      id: 'contoso.desk.classification-list',
      name: 'Incident classification',
      items: [
        {
          id: 'contoso.desk.hardware',
          name: 'Hardware',
          items: [{ id: 'contoso.desk.printer', name: 'Printer' }],
        },
        { id: 'contoso.desk.software', name: 'Software' },
      ],
    },
  ],
} as unknown as Pack;

function wi(
  id: number,
  cls: string,
  fields: Record<string, unknown>,
  created: string,
  updated: string,
): Record<string, unknown> {
  return {
    id,
    class: cls,
    display_id: `${cls === 'incident' ? 'IR' : 'SR'}${id}`,
    title: `  item ${id}  `,
    description: null,
    priority: 3,
    status: 'active',
    assigned_to: null,
    affected_user: null,
    properties: {},
    created_at: created,
    updated_at: updated,
    resolve_by: null,
    breached_at: null,
    ...fields,
  };
}

/** The history of the test: users, configuration items, five work items (one four years old). */
function history(): Staged[] {
  const s: Staged[] = [];
  const user = (op: Staged['op'], id: number, at: string, username: string) =>
    s.push({ kind: 'user', op, id, at, data: { id, username } });
  user('insert', 1, T('02T08:00:00.000Z'), 'alice');
  user('insert', 2, T('02T08:00:00.000Z'), '  bob ');
  user('insert', 3, T('02T08:00:00.000Z'), 'carol');
  user('delete', 3, T('05T08:00:00.000Z'), 'carol');
  const ci = (op: Staged['op'], id: number, at: string, name: string, properties = {}) =>
    s.push({
      kind: 'config-item',
      op,
      id,
      at,
      data: { id, class: 'computer', name, properties, created_at: T('02T09:00:00.5+00:00'), updated_at: at },
    });
  ci('insert', 1, T('02T09:00:00.500Z'), 'web01');
  ci('insert', 2, T('02T09:00:00.600Z'), 'db01 ');
  ci('update', 1, T('03T09:00:00.000Z'), 'web01', { site: 'London' });
  // Work item 1: opened, assigned and pending, SLA target set by the workflow, resolved, closed, groomed.
  const c1 = '2026-11-10T10:00:00.123456+00:00';
  const p1 = { 'contoso.desk.classification': 'contoso.desk.printer', configItems: ['web01', 2] };
  const item = (op: Staged['op'], id: number, at: string, data: Record<string, unknown>) =>
    s.push({ kind: 'work-item', op, id, at, data });
  item(
    'insert',
    1,
    '2026-11-10T10:00:00.125Z',
    wi(1, 'incident', { priority: 2, affected_user: 'alice', properties: p1 }, c1, c1),
  );
  s.push({
    kind: 'work-item-history',
    op: 'insert',
    id: 11,
    at: '2026-11-10T10:00:00.126Z',
    data: { id: 11, work_item_id: 1, at: c1, actor: 'alice', change: { created: {} } },
  });
  const u1 = '2026-11-10T12:00:00.5+00:00';
  item(
    'update',
    1,
    '2026-11-10T12:00:00.501Z',
    wi(
      1,
      'incident',
      { priority: 2, affected_user: 'alice', properties: p1, status: 'pending', assigned_to: ' bob ' },
      c1,
      u1,
    ),
  );
  item(
    'update',
    1,
    '2026-11-10T12:00:05.000Z',
    wi(
      1,
      'incident',
      {
        priority: 2,
        affected_user: 'alice',
        properties: p1,
        status: 'pending',
        assigned_to: ' bob ',
        resolve_by: '2026-11-11T10:00:00+00:00',
      },
      c1,
      u1,
    ),
  );
  const r1 = '2026-11-11T09:00:00+00:00';
  item(
    'update',
    1,
    '2026-11-11T09:00:00.001Z',
    wi(
      1,
      'incident',
      {
        priority: 2,
        affected_user: 'alice',
        properties: { ...p1, configItems: ['web01'] },
        status: 'resolved',
        assigned_to: 'bob',
        resolve_by: '2026-11-11T10:00:00+00:00',
      },
      c1,
      r1,
    ),
  );
  const x1 = '2026-11-12T09:00:00+00:00';
  const closed1 = wi(
    1,
    'incident',
    {
      priority: 2,
      affected_user: 'alice',
      properties: { ...p1, configItems: ['web01'] },
      status: 'closed',
      assigned_to: 'bob',
      resolve_by: '2026-11-11T10:00:00+00:00',
    },
    c1,
    x1,
  );
  item('update', 1, '2026-11-12T09:00:00.001Z', closed1);
  item('delete', 1, '2026-11-20T00:00:00.000Z', closed1);
  s.push({
    kind: 'work-item-history',
    op: 'delete',
    id: 11,
    at: '2026-11-20T00:00:00.000Z',
    data: { id: 11, work_item_id: 1, at: c1, actor: 'alice', change: { created: {} } },
  });
  // Work item 2: resolved, then reopened: no resolution.
  const c2 = '2026-11-10T11:00:00+00:00';
  item('insert', 2, '2026-11-10T11:00:00.001Z', wi(2, 'service-request', { affected_user: 'bob' }, c2, c2));
  item(
    'update',
    2,
    '2026-11-11T11:00:00.001Z',
    wi(2, 'service-request', { status: 'Resolved ', affected_user: 'bob' }, c2, '2026-11-11T11:00:00+00:00'),
  );
  item(
    'update',
    2,
    '2026-11-12T11:00:00.001Z',
    wi(2, 'service-request', { status: 'active', affected_user: 'bob' }, c2, '2026-11-12T11:00:00+00:00'),
  );
  // Work item 3: breached, then resolved.
  const c3 = '2026-11-10T08:00:00+00:00';
  item('insert', 3, '2026-11-10T08:00:00.001Z', wi(3, 'incident', { priority: 1 }, c3, c3));
  item(
    'update',
    3,
    '2026-11-10T12:30:00.001Z',
    wi(
      3,
      'incident',
      { priority: 1, resolve_by: '2026-11-10T12:00:00+00:00', breached_at: '2026-11-10T12:30:00+00:00' },
      c3,
      c3,
    ),
  );
  item(
    'update',
    3,
    '2026-11-13T08:00:00.001Z',
    wi(
      3,
      'incident',
      {
        priority: 1,
        status: 'resolved',
        resolve_by: '2026-11-10T12:00:00+00:00',
        breached_at: '2026-11-10T12:30:00+00:00',
      },
      c3,
      '2026-11-13T08:00:00+00:00',
    ),
  );
  // Work item 4: resolved within its target.
  const c4 = '2026-11-14T08:00:00+00:00';
  item(
    'insert',
    4,
    '2026-11-14T08:00:00.001Z',
    wi(4, 'incident', { priority: 4, resolve_by: '2026-11-20T08:00:00+00:00' }, c4, c4),
  );
  item(
    'update',
    4,
    '2026-11-15T08:00:00.001Z',
    wi(
      4,
      'incident',
      { priority: 4, status: 'resolved', resolve_by: '2026-11-20T08:00:00+00:00' },
      c4,
      '2026-11-15T08:00:00+00:00',
    ),
  );
  // Work item 5: four years old.
  const c5 = '2022-10-01T08:00:00+00:00';
  item('insert', 5, '2022-10-01T08:00:00.001Z', wi(5, 'incident', { priority: 3 }, c5, c5));
  item(
    'update',
    5,
    '2022-10-02T08:00:00.001Z',
    wi(5, 'incident', { priority: 3, status: 'closed' }, c5, '2022-10-02T08:00:00+00:00'),
  );
  return s;
}

async function stage(db: Database, changes: readonly Staged[]): Promise<void> {
  for (const c of changes) {
    xid += 1;
    await db.query(
      `INSERT INTO ${STAGING[c.kind]} (position, op, entity_id, changed_at, data, run_id) VALUES ($1, $2, $3, $4, $5::jsonb, 1)`,
      [`1-${xid}-${xid}`, c.op, c.id, c.at, JSON.stringify(c.data)],
    );
  }
}

for (const engine of ENGINES) {
  describe(`transform and load (${engine().name})`, () => {
    const fx = engine();
    const sets: Dbs[] = [];
    const newDbs = async (): Promise<Dbs> => {
      const open = async (i: number) => {
        const db = await fx.open(await fx.newDatabaseUrl());
        await migrate(db, DW_DATABASES[i]!.migrations);
        return db;
      };
      const d = { staging: await open(0), repository: await open(1), datamart: await open(2) };
      sets.push(d);
      return d;
    };
    const transform = (d: Dbs, batchSize = 500) =>
      transformAll({ ...d, dwName: 'T', batchSize, progress: silentProgress }, tally());
    const load = (d: Dbs, batchSize = 500, retentionDays = 1095) =>
      loadAll({ ...d, dwName: 'T', batchSize, retentionDays, progress: silentProgress, now: NOW }, tally());
    let a: Dbs;
    before(async () => {
      a = await newDbs();
      const t = tally();
      await syncPacks(
        a.staging,
        [...builtInPacks(), classification].map((document) => ({
          summary: {
            id: document.id,
            version: document.version,
            name: document.name,
            sealed: document.id.startsWith('smgr.'),
            removedAt: null,
          },
          document,
        })),
        t,
      );
      assert.ok(t.rows > 10);
      await stage(a.staging, history());
      await transform(a, 4);
      await load(a, 3);
    });
    after(async () => {
      for (const d of sets) for (const db of Object.values(d)) await db.close();
      await fx.cleanup();
    });

    test('versions: cleansed, with validity intervals from the row change times', async () => {
      const v = await a.repository.query<{
        valid_from: Date;
        valid_to: Date | null;
        status: string;
        status_item: string | null;
        assigned_to: string | null;
        title: string;
        deleted: boolean;
        classification_item: string | null;
        config_items: unknown[];
        priority_item: string | null;
      }>(
        `SELECT valid_from, valid_to, status, status_item, assigned_to, title, deleted, classification_item,
                config_items, priority_item
           FROM work_item_versions WHERE work_item_id = 1 ORDER BY changed_at, pos_xid`,
      );
      assert.equal(v.rows.length, 6);
      const iso = (d: Date | null) => d?.toISOString() ?? null;
      assert.deepEqual(
        v.rows.map((r) => [iso(r.valid_from), iso(r.valid_to)]),
        [
          ['2026-11-10T10:00:00.123Z', '2026-11-10T12:00:00.500Z'],
          // updated_at unchanged by the SLA workflow's mark: the change's own time.
          ['2026-11-10T12:00:00.500Z', '2026-11-10T12:00:05.000Z'],
          ['2026-11-10T12:00:05.000Z', '2026-11-11T09:00:00.000Z'],
          ['2026-11-11T09:00:00.000Z', '2026-11-12T09:00:00.000Z'],
          ['2026-11-12T09:00:00.000Z', '2026-11-20T00:00:00.000Z'],
          ['2026-11-20T00:00:00.000Z', null],
        ],
      );
      assert.deepEqual(
        v.rows.map((r) => r.deleted),
        [false, false, false, false, false, true],
      );
      assert.equal(v.rows[0]!.title, 'item 1');
      assert.equal(v.rows[1]!.assigned_to, 'bob');
      assert.equal(v.rows[0]!.status_item, 'smgr.workitems.status.active');
      assert.equal(v.rows[0]!.priority_item, 'smgr.workitems.priority.2');
      assert.equal(v.rows[0]!.classification_item, 'contoso.desk.printer');
      assert.deepEqual(v.rows[0]!.config_items, [2, 'web01']);
      const two = await a.repository.query<{ status: string; status_item: string }>(
        'SELECT status, status_item FROM work_item_versions WHERE work_item_id = 2 ORDER BY changed_at',
      );
      assert.deepEqual(two.rows[1], { status: 'resolved', status_item: 'smgr.workitems.status.resolved' });
      const users = await a.repository.query<{ username: string; valid_to: Date | null; deleted: boolean }>(
        'SELECT username, valid_to, deleted FROM user_versions ORDER BY user_id, changed_at',
      );
      assert.deepEqual(
        users.rows.map((u) => [u.username, u.deleted]),
        [
          ['alice', false],
          ['bob', false],
          ['carol', false],
          ['carol', true],
        ],
      );
      const ev = await a.repository.query<{ deleted_at: Date | null }>(
        'SELECT deleted_at FROM work_item_events',
      );
      assert.equal(ev.rows[0]!.deleted_at?.toISOString(), '2026-11-20T00:00:00.000Z');
    });

    test('the data mart: dimensions keep every version, facts follow the definitions', async () => {
      const m = a.datamart;
      const dims = await m.query<{ work_item_id: string; n: number; current: number; removed: number }>(
        `SELECT work_item_id, count(*)::int AS n, count(*) FILTER (WHERE is_current)::int AS current,
                count(*) FILTER (WHERE removed)::int AS removed
           FROM work_item_dim GROUP BY work_item_id ORDER BY work_item_id`,
      );
      assert.deepEqual(
        dims.rows.map((r) => [Number(r.work_item_id), r.n, r.current, r.removed]),
        [
          [1, 6, 1, 1],
          [2, 3, 1, 0],
          [3, 3, 1, 0],
          [4, 2, 1, 0],
          [5, 2, 1, 0],
        ],
      );
      const created = await m.query<{
        work_item_id: string;
        date_key: number;
        classification_item: string | null;
      }>(
        'SELECT work_item_id, date_key, classification_item FROM work_item_created_fact ORDER BY work_item_id',
      );
      assert.deepEqual(
        created.rows.map((r) => [Number(r.work_item_id), r.date_key]),
        [
          [1, 20261110],
          [2, 20261110],
          [3, 20261110],
          [4, 20261114],
        ],
        'work item 5 is older than the retention',
      );
      assert.equal(created.rows[0]!.classification_item, 'contoso.desk.printer');
      const resolved = await m.query<{ work_item_id: string; date_key: number; seconds_to_resolve: number }>(
        'SELECT work_item_id, date_key, seconds_to_resolve FROM work_item_resolved_fact ORDER BY work_item_id',
      );
      assert.deepEqual(
        resolved.rows.map((r) => [Number(r.work_item_id), r.date_key, r.seconds_to_resolve]),
        [
          [1, 20261111, 82_799.876544],
          [3, 20261113, 3 * 86_400],
          [4, 20261115, 86_400],
        ],
      );
      const stays = await m.query<{ status: string; seconds: number | null; end_date_key: number | null }>(
        'SELECT status, seconds, end_date_key FROM work_item_status_fact WHERE work_item_id = 1 ORDER BY entered_at',
      );
      assert.deepEqual(
        stays.rows.map((r) => [r.status, r.seconds]),
        [
          ['active', 7_200.376544],
          ['pending', 75_599.5],
          ['resolved', 86_400],
          ['closed', null],
        ],
      );
      const assigned = await m.query<{ username: string; user_id: string | null; ended_at: Date | null }>(
        'SELECT username, user_id, ended_at FROM work_item_assigned_to_fact WHERE work_item_id = 1',
      );
      assert.deepEqual(
        assigned.rows.map((r) => [r.username, Number(r.user_id), r.ended_at]),
        [['bob', 2, null]],
      );
      const cis = await m.query<{ config_item_id: string; ended_at: Date | null }>(
        'SELECT config_item_id, ended_at FROM work_item_config_item_fact WHERE work_item_id = 1 ORDER BY config_item_id',
      );
      assert.deepEqual(
        cis.rows.map((r) => [Number(r.config_item_id), r.ended_at?.toISOString() ?? null]),
        [
          [1, null],
          [2, '2026-11-11T09:00:00.000Z'],
        ],
      );
      const sla = await m.query<{ work_item_id: string; outcome: string; date_key: number }>(
        'SELECT work_item_id, outcome, date_key FROM work_item_sla_fact ORDER BY work_item_id',
      );
      assert.deepEqual(
        sla.rows.map((r) => [Number(r.work_item_id), r.outcome, r.date_key]),
        [
          [1, 'met', 20261111],
          [3, 'breached', 20261110],
          [4, 'met', 20261115],
        ],
      );
      const statuses = await m.query<{ status_item: string; is_open: boolean }>(
        'SELECT status_item, is_open FROM status_dim ORDER BY ordinal',
      );
      assert.deepEqual(
        statuses.rows.map((r) => r.is_open),
        [true, true, false, false],
      );
      const cls = await m.query<{ path: string }>(
        `SELECT path FROM classification_dim WHERE classification_item = 'contoso.desk.printer'`,
      );
      assert.equal(cls.rows[0]!.path, 'Hardware / Printer');
      const days = await m.query<{ n: number; first: number; monday: Date }>(
        `SELECT count(*)::int AS n, min(date_key) AS first,
                (SELECT week_start FROM date_dim WHERE date_key = 20261129) AS monday FROM date_dim`,
      );
      assert.equal(days.rows[0]!.first, 20221001);
      assert.equal(days.rows[0]!.monday.toISOString().slice(0, 10), '2026-11-23');
    });

    test('idempotent: again, and every batch re-run from the start, changes nothing; batch size changes nothing', async () => {
      const repo = await dumpDw(a.repository);
      const mart = await dumpDw(a.datamart);
      await transform(a);
      await load(a);
      assert.deepEqual(await dumpDw(a.repository), repo);
      assert.deepEqual(await dumpDw(a.datamart), mart);
      await a.repository.query('DELETE FROM watermarks');
      await a.datamart.query('DELETE FROM watermarks');
      await transform(a, 2);
      await load(a, 5);
      assert.deepEqual(await dumpDw(a.repository), repo);
      assert.deepEqual(await dumpDw(a.datamart), mart);
      // Load skips an entity whose batch versions are in its dimension already: with them gone, every
      // entity is rebuilt over its existing facts, to the same rows.
      await a.datamart.query('DELETE FROM watermarks');
      for (const dim of ['work_item_dim', 'user_dim', 'config_item_dim'])
        await a.datamart.query(`DELETE FROM ${dim}`);
      const rebuilt = tally();
      await loadAll(
        { ...a, dwName: 'T', batchSize: 3, retentionDays: 1095, progress: silentProgress, now: NOW },
        rebuilt,
      );
      assert.ok(rebuilt.batches > 3, `${rebuilt.batches} batches`);
      assert.deepEqual(await dumpDw(a.datamart), mart);
      // Another DW fed the same history, one change per batch.
      const b = await newDbs();
      await syncPacks(
        b.staging,
        [...builtInPacks(), classification].map((document) => ({
          summary: {
            id: document.id,
            version: document.version,
            name: document.name,
            sealed: document.id.startsWith('smgr.'),
            removedAt: null,
          },
          document,
        })),
        tally(),
      );
      const staged = await a.staging.query('SELECT * FROM staging_work_items');
      assert.ok(staged.rowCount > 0);
      for (const t of [
        'staging_users',
        'staging_config_items',
        'staging_work_items',
        'staging_work_item_history',
      ]) {
        const rows = await a.staging.query(
          `SELECT position, op, entity_id, changed_at, data, run_id FROM ${t}`,
        );
        for (const r of rows.rows)
          await b.staging.query(
            `INSERT INTO ${t} (position, op, entity_id, changed_at, data, run_id) VALUES ($1, $2, $3, $4, $5::jsonb, $6)`,
            [r.position, r.op, r.entity_id, r.changed_at, JSON.stringify(r.data), r.run_id],
          );
      }
      await transform(b, 1);
      await load(b, 1);
      assert.deepEqual(await dumpDw(b.repository), repo);
      assert.deepEqual(await dumpDw(b.datamart), mart);
    });

    test('maintenance removes facts past the retention, never dimensions; a reload does not bring them back', async () => {
      const before = await dumpDw(a.datamart);
      const t = tally();
      // 18 days: the facts dated before the 12th go; open stays stay.
      await maintainDataMart(
        { datamart: a.datamart, retentionDays: 18, batchSize: 2, progress: silentProgress, now: NOW },
        t,
      );
      assert.ok(t.rows > 5, `${t.rows} removed`);
      const after1 = await dumpDw(a.datamart);
      for (const dim of ['work_item_dim', 'user_dim', 'config_item_dim', 'date_dim', 'status_dim'])
        assert.deepEqual(after1[dim], before[dim], dim);
      assert.deepEqual(
        (after1.work_item_created_fact as Array<{ date_key: number }>).map((r) => r.date_key),
        [20261114],
      );
      const again = tally();
      await maintainDataMart(
        { datamart: a.datamart, retentionDays: 18, batchSize: 2, progress: silentProgress, now: NOW },
        again,
      );
      assert.equal(again.rows, 0);
      await a.datamart.query('DELETE FROM watermarks');
      await loadAll(
        { ...a, dwName: 'T', batchSize: 500, retentionDays: 18, progress: silentProgress, now: NOW },
        tally(),
      );
      assert.deepEqual(await dumpDw(a.datamart), after1);
    });

    test('configuration items related through the console or API ({related}/{unrelated} events) are in the WI↔CI fact; a version waits for the history before it', async () => {
      const d = await newDbs();
      const at = (s: string) => `2026-11-${s}`;
      const h: Staged[] = [];
      const ci = (id: number, name: string) =>
        h.push({
          kind: 'config-item',
          op: 'insert',
          id,
          at: at('15T08:00:00.000Z'),
          data: {
            id,
            class: 'computer',
            name,
            properties: {},
            created_at: at('15T08:00:00Z'),
            updated_at: at('15T08:00:00Z'),
          },
        });
      ci(21, 'web21');
      ci(22, 'db22');
      const c7 = at('16T08:00:00+00:00');
      const props = { configItems: ['db22'] };
      h.push({
        kind: 'work-item',
        op: 'insert',
        id: 7,
        at: at('16T08:00:00.001Z'),
        data: wi(7, 'incident', { properties: props }, c7, c7),
      });
      h.push({
        kind: 'work-item-history',
        op: 'insert',
        id: 70,
        at: at('16T08:00:00.001Z'),
        data: { id: 70, work_item_id: 7, at: c7, actor: 'ann', change: { created: {} } },
      });
      // Each relate/unrelate: its history row, then the work item's updated_at bump, in one transaction.
      let event = 70;
      const link = (when: string, what: 'related' | 'unrelated', configItemId: number) => {
        event += 1;
        const t = at(`${when}+00:00`);
        h.push({
          kind: 'work-item-history',
          op: 'insert',
          id: event,
          at: at(`${when}.001Z`),
          data: {
            id: event,
            work_item_id: 7,
            at: t,
            actor: 'ann',
            change: { [what]: { configItemId, class: 'computer' } },
          },
        });
        h.push({
          kind: 'work-item',
          op: 'update',
          id: 7,
          at: at(`${when}.002Z`),
          data: wi(7, 'incident', { properties: props }, c7, t),
        });
      };
      link('16T09:00:00', 'related', 21);
      link('17T09:00:00', 'unrelated', 21);
      link('18T09:00:00', 'related', 21);
      link('18T10:00:00', 'related', 22);
      await stage(d.staging, h);
      // Transform stopped after the work items, before their history: Load holds the versions back.
      await transformAll(
        { ...d, dwName: 'T', batchSize: 500, progress: silentProgress, maxBatches: 2 },
        tally(),
      );
      await load(d);
      // Its watermark stops before the first work item change after that history: the next Load
      // rebuilds the item (from all its versions) with the events.
      const insert = await d.staging.query<{ position: string }>(
        "SELECT position FROM staging_work_items WHERE op = 'insert' AND entity_id = 7",
      );
      const held = await d.datamart.query<{ position: string }>(
        "SELECT position FROM watermarks WHERE job = 'load:work-item'",
      );
      assert.equal(held.rows[0]!.position, insert.rows[0]!.position);
      await transform(d);
      await load(d);
      const facts = await d.datamart.query<{
        config_item_id: string;
        started_at: Date;
        ended_at: Date | null;
      }>(
        'SELECT config_item_id, started_at, ended_at FROM work_item_config_item_fact WHERE work_item_id = 7 ORDER BY config_item_id, started_at',
      );
      assert.deepEqual(
        facts.rows.map((r) => [
          Number(r.config_item_id),
          r.started_at.toISOString(),
          r.ended_at?.toISOString() ?? null,
        ]),
        [
          [21, '2026-11-16T09:00:00.000Z', '2026-11-17T09:00:00.000Z'],
          [21, '2026-11-18T09:00:00.000Z', null],
          [22, '2026-11-16T08:00:00.000Z', null],
        ],
      );
      // The same mart from one uninterrupted run (the watermarks emptied): nothing differs.
      const mart = await dumpDw(d.datamart);
      await d.datamart.query('DELETE FROM watermarks');
      await load(d, 2);
      assert.deepEqual(await dumpDw(d.datamart), mart);
    });

    test('MPSync is additive: an item or pack gone from the source is hidden, never deleted', async () => {
      const d = await newDbs();
      const packs = (p: Pack, removedAt: string | null = null) => [
        { summary: { id: p.id, version: p.version, name: p.name, sealed: false, removedAt }, document: p },
      ];
      await syncPacks(d.staging, packs(classification), tally());
      const smaller = JSON.parse(JSON.stringify(classification)) as Pack;
      smaller.enumerations![0]!.items = smaller.enumerations![0]!.items.slice(0, 1);
      const t = tally();
      await syncPacks(d.staging, packs(smaller), t);
      assert.equal(t.rows, 1);
      const items = await d.staging.query<{ item_id: string; hidden: boolean }>(
        'SELECT item_id, hidden FROM dw_list_items ORDER BY item_id',
      );
      assert.deepEqual(
        items.rows.map((r) => [r.item_id, r.hidden]),
        [
          ['contoso.desk.hardware', false],
          ['contoso.desk.printer', false],
          ['contoso.desk.software', true],
        ],
      );
      const same = tally();
      await syncPacks(d.staging, packs(smaller), same);
      assert.equal(same.rows, 0, 'a second sync of the same packs changes nothing');
      await syncPacks(d.staging, packs(smaller, '2026-11-30T00:00:00Z'), tally());
      const hidden = await d.staging.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM dw_list_items WHERE hidden',
      );
      assert.equal(hidden.rows[0]!.n, 3);
      const pack = await d.staging.query<{ hidden: boolean }>('SELECT hidden FROM dw_management_packs');
      assert.equal(pack.rows[0]!.hidden, true);
    });
  });
}
