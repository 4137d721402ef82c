/**
 * The reports' SQL (DWDataMart v5) on both engines, over a small star schema
 * written here by hand (so the reports are checked apart from the Load job):
 * each expected figure is worked out in the comments from the rows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../../test/support/engines.js';
import type { Database } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { dwDataMartMigrations } from '../db/migrations/dw-datamart.js';
import { reportNamed } from './report-definitions.js';
import { runReport } from './run-report.js';

const FILL_DATES = `
INSERT INTO date_dim
SELECT to_char(d, 'YYYYMMDD')::int, d, extract(year FROM d), extract(quarter FROM d), extract(month FROM d),
       extract(day FROM d), extract(isodow FROM d), extract(isoyear FROM d), extract(week FROM d),
       date_trunc('week', d)::date, date_trunc('month', d)::date, to_char(d, 'FMMonth'), to_char(d, 'FMDay')
  FROM generate_series('2026-10-01'::date, '2026-12-31'::date, interval '1 day') AS g(t), LATERAL (SELECT t::date AS d) x`;

const LISTS = `
INSERT INTO status_dim VALUES
  ('smgr.workitems.status.active', 'active', 'Active', 1, true, false),
  ('smgr.workitems.status.pending', 'pending', 'Pending', 2, true, false),
  ('smgr.workitems.status.resolved', 'resolved', 'Resolved', 3, false, false),
  ('smgr.workitems.status.closed', 'closed', 'Closed', 4, false, false);
INSERT INTO priority_dim VALUES
  ('smgr.workitems.priority.1', 1, 'Critical', 1, false), ('smgr.workitems.priority.2', 2, 'High', 2, false),
  ('smgr.workitems.priority.3', 3, 'Medium', 3, false), ('smgr.workitems.priority.4', 4, 'Low', 4, false)`;

/** One version of a work item: [id, class, status, valid_from, valid_to, removed]. */
type V = [number, string, string, string, string | null, boolean?];

async function addVersions(db: Database, versions: V[]): Promise<void> {
  let n = 0;
  for (const [id, cls, status, from, to, removed] of versions) {
    n++;
    await db.query(
      `INSERT INTO work_item_dim (version_key, work_item_id, valid_from, valid_to, is_current, removed, display_id,
                                  class, title, status, status_item, priority, priority_item, created_at, properties)
       VALUES ($1, $2, $3::timestamptz, $4::timestamptz, $4::timestamptz IS NULL, $5, $6, $7, 'title', $8::text, 'smgr.workitems.status.' || $8::text, 1,
               'smgr.workitems.priority.1', $3, '{}')`,
      [`1-1-${n}`, id, from, to, removed ?? false, `IR${id}`, cls, status],
    );
  }
}

const report = async (
  db: Database,
  name: string,
  from: string,
  to: string,
  grain = 'day',
  cls: string | null = null,
  limit = 10,
) => runReport(db, reportNamed(name)!, { from, to, grain: grain as 'day', class: cls, limit });

for (const engine of ENGINES) {
  describe(`report SQL (${engine().name})`, () => {
    const fx = engine();
    let db: Database;
    before(async () => {
      db = await fx.open(await fx.newDatabaseUrl());
      await migrate(db, dwDataMartMigrations);
      await db.exec(FILL_DATES);
      await db.exec(LISTS);
    });
    after(async () => {
      await db?.close();
      await fx.cleanup();
    });

    it('periods: days, ISO weeks from Monday and months, clipped to the range; all is one period', async () => {
      const r = await report(db, 'backlog', '2026-10-28', '2026-11-10', 'week');
      assert.deepEqual(
        r.map((x) => [x.period, x.start, x.end]),
        [
          ['2026-W44', '2026-10-28', '2026-11-01'],
          ['2026-W45', '2026-11-02', '2026-11-08'],
          ['2026-W46', '2026-11-09', '2026-11-10'],
        ],
      );
      const m = await report(db, 'backlog', '2026-10-28', '2026-12-01', 'month');
      assert.deepEqual(
        m.map((x) => [x.period, x.start, x.end]),
        [
          ['2026-10', '2026-10-28', '2026-10-31'],
          ['2026-11', '2026-11-01', '2026-11-30'],
          ['2026-12', '2026-12-01', '2026-12-01'],
        ],
      );
      const all = await report(db, 'backlog', '2026-10-28', '2026-12-01', 'all');
      assert.deepEqual(
        all.map((x) => [x.period, x.start, x.end]),
        [['2026-10-28/2026-12-01', '2026-10-28', '2026-12-01']],
      );
      assert.equal((await report(db, 'backlog', '2026-10-01', '2026-10-31')).length, 31);
    });

    it('backlog: open at the end of each period; a reopened item counts again; a groomed closed one never', async () => {
      await addVersions(db, [
        // 1: incident, opened 11-02, resolved 11-04, reopened 11-05, closed 11-06.
        [1, 'incident', 'active', '2026-11-02T10:00:00Z', '2026-11-04T09:00:00Z'],
        [1, 'incident', 'resolved', '2026-11-04T09:00:00Z', '2026-11-05T12:00:00Z'],
        [1, 'incident', 'active', '2026-11-05T12:00:00Z', '2026-11-06T08:00:00Z'],
        [1, 'incident', 'closed', '2026-11-06T08:00:00Z', null],
        // 2: service request, opened 11-03 23:59:59 (still that day), pending from 11-04, never resolved.
        [2, 'service-request', 'active', '2026-11-03T23:59:59Z', '2026-11-04T01:00:00Z'],
        [2, 'service-request', 'pending', '2026-11-04T01:00:00Z', null],
        // 3: incident opened 11-01, closed 11-02, groomed (removed, last values kept) 11-05.
        [3, 'incident', 'active', '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z'],
        [3, 'incident', 'closed', '2026-11-02T00:00:00Z', '2026-11-05T03:00:00Z'],
        [3, 'incident', 'closed', '2026-11-05T03:00:00Z', null, true],
        // 4: incident opened 11-03, deleted while open 11-04 (removed: no longer in the backlog).
        [4, 'incident', 'active', '2026-11-03T05:00:00Z', '2026-11-04T05:00:00Z'],
        [4, 'incident', 'active', '2026-11-04T05:00:00Z', null, true],
      ]);
      const day = await report(db, 'backlog', '2026-10-31', '2026-11-07');
      assert.deepEqual(
        day.map((x) => [x.period, x.open]),
        [
          ['2026-10-31', 0],
          ['2026-11-01', 1], // 3
          ['2026-11-02', 1], // 1 (3 closed at 00:00)
          ['2026-11-03', 3], // 1, 2, 4
          ['2026-11-04', 1], // 2 (1 resolved, 4 deleted)
          ['2026-11-05', 2], // 1 reopened, 2
          ['2026-11-06', 1], // 2
          ['2026-11-07', 1],
        ],
      );
      const incidents = await report(db, 'backlog', '2026-11-01', '2026-11-07', 'day', 'incident');
      assert.deepEqual(
        incidents.map((x) => x.open),
        [1, 1, 2, 0, 1, 0, 0],
      );
      const week = await report(db, 'backlog', '2026-10-26', '2026-11-08', 'week');
      assert.deepEqual(
        week.map((x) => [x.period, x.open]),
        [
          ['2026-W44', 1],
          ['2026-W45', 1],
        ],
      );
    });

    it('opened and resolved: the facts of each period, by class', async () => {
      await db.exec(`
        INSERT INTO work_item_created_fact VALUES
          (1, 20261102, '2026-11-02T10:00:00Z', 'incident', 'smgr.workitems.priority.1', NULL),
          (2, 20261103, '2026-11-03T23:59:59Z', 'service-request', NULL, NULL),
          (3, 20261101, '2026-11-01T00:00:00Z', 'incident', 'smgr.workitems.priority.2', NULL),
          (4, 20261103, '2026-11-03T05:00:00Z', 'incident', 'smgr.workitems.priority.1', NULL);
        INSERT INTO work_item_resolved_fact VALUES
          (1, 20261106, '2026-11-06T08:00:00Z', '2026-11-02T10:00:00Z', 338400, 'incident', 'smgr.workitems.priority.1', NULL),
          (3, 20261102, '2026-11-02T00:00:00Z', '2026-11-01T00:00:00Z', 86400, 'incident', 'smgr.workitems.priority.2', NULL);`);
      const r = await report(db, 'opened-resolved', '2026-11-01', '2026-11-07');
      assert.deepEqual(
        r.map((x) => [x.period, x.opened, x.resolved]),
        [
          ['2026-11-01', 1, 0],
          ['2026-11-02', 1, 1],
          ['2026-11-03', 2, 0],
          ['2026-11-04', 0, 0],
          ['2026-11-05', 0, 0],
          ['2026-11-06', 0, 1],
          ['2026-11-07', 0, 0],
        ],
      );
      const sr = await report(db, 'opened-resolved', '2026-11-01', '2026-11-07', 'all', 'service-request');
      assert.deepEqual(
        sr.map((x) => [x.opened, x.resolved]),
        [[1, 0]],
      );
    });

    it('time to resolution: per period and priority, the mean and the interpolated 90th percentile in hours', async () => {
      // Priority 3, resolved 11-20: 1 h, 2 h, 3 h, 10 h → mean 4 h; p90 at rank 0.9·3 = 2.7: 3 + 0.7·(10 − 3) = 7.9 h.
      // Priority 4, resolved 11-21: 5 h alone. No priority, resolved 11-21: 2.5 h.
      const rows = [
        [10, 20261120, 3600, 'smgr.workitems.priority.3'],
        [11, 20261120, 7200, 'smgr.workitems.priority.3'],
        [12, 20261120, 10800, 'smgr.workitems.priority.3'],
        [13, 20261120, 36000, 'smgr.workitems.priority.3'],
        [14, 20261121, 18000, 'smgr.workitems.priority.4'],
        [15, 20261121, 9000, null],
      ];
      for (const [id, dk, s, prio] of rows)
        await db.query(
          `INSERT INTO work_item_resolved_fact VALUES ($1, $2, now(), now(), $3, 'incident', $4, NULL)`,
          [id, dk, s, prio],
        );
      const day = await report(db, 'time-to-resolution', '2026-11-20', '2026-11-21');
      assert.deepEqual(
        day.map((x) => [x.period, x.priority, x.priorityName, x.resolved, x.meanHours, x.p90Hours]),
        [
          ['2026-11-20', 3, 'Medium', 4, 4, 7.9],
          ['2026-11-21', 4, 'Low', 1, 5, 5],
          ['2026-11-21', null, 'No priority', 1, 2.5, 2.5],
        ],
      );
      const sr = await report(db, 'time-to-resolution', '2026-11-20', '2026-11-21', 'all', 'service-request');
      assert.deepEqual(sr, []);
    });

    it('SLA compliance: met and breached per period, the share met, empty when none', async () => {
      await db.exec(`
        INSERT INTO work_item_sla_fact VALUES
          (20, 'met', 20261110, 'incident', NULL, now(), now(), NULL),
          (21, 'met', 20261110, 'incident', NULL, now(), now(), NULL),
          (22, 'breached', 20261110, 'incident', NULL, now(), NULL, now()),
          (23, 'breached', 20261112, 'incident', NULL, now(), NULL, now());`);
      const r = await report(db, 'sla-compliance', '2026-11-10', '2026-11-12');
      assert.deepEqual(
        r.map((x) => [x.period, x.met, x.breached, x.compliancePercent]),
        [
          ['2026-11-10', 2, 1, 66.7],
          ['2026-11-11', 0, 0, null],
          ['2026-11-12', 0, 1, 0],
        ],
      );
    });

    it('top configuration items: most work items newly related in the period, ties by id, the limit, names of the last version', async () => {
      await db.exec(`
        INSERT INTO config_item_dim VALUES
          ('1-1-1', 7, '2026-01-01', '2026-06-01', false, false, 'computer', 'old-name', '{}'),
          ('1-1-2', 7, '2026-06-01', NULL, true, false, 'computer', 'printer-7', '{}'),
          ('1-1-3', 8, '2026-01-01', NULL, true, false, 'service', 'e-mail', '{}'),
          ('1-1-4', 9, '2026-01-01', NULL, true, false, 'computer', 'laptop-9', '{}');
        INSERT INTO work_item_config_item_fact VALUES
          (30, 7, '2026-11-15T10:00:00Z', NULL, 'incident', 20261115, NULL),
          (31, 7, '2026-11-15T11:00:00Z', NULL, 'incident', 20261115, NULL),
          (32, 8, '2026-11-15T12:00:00Z', NULL, 'incident', 20261115, NULL),
          (33, 9, '2026-11-16T12:00:00Z', NULL, 'service-request', 20261116, NULL),
          (34, 8, '2026-11-16T13:00:00Z', NULL, 'incident', 20261116, NULL);`);
      const all = await report(db, 'top-configuration-items', '2026-11-15', '2026-11-16', 'all');
      assert.deepEqual(
        all.map((x) => [x.rank, x.configItemId, x.configItem, x.configItemClass, x.workItems]),
        [
          [1, 7, 'printer-7', 'computer', 2],
          [2, 8, 'e-mail', 'service', 2],
          [3, 9, 'laptop-9', 'computer', 1],
        ],
      );
      const top1 = await report(
        db,
        'top-configuration-items',
        '2026-11-15',
        '2026-11-16',
        'day',
        'incident',
        1,
      );
      assert.deepEqual(
        top1.map((x) => [x.period, x.configItem, x.workItems]),
        [
          ['2026-11-15', 'printer-7', 2],
          ['2026-11-16', 'e-mail', 1],
        ],
      );
    });
  });
}
