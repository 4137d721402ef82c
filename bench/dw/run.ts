/**
 * `npm run bench:dw -- [--size 2000] [--batch 500] [--keep]`
 *
 * The data warehouse's initial load (issue 11 item 7, in part). Not a test.
 * On the local PostgreSQL server (SMGR_BENCH_POSTGRES_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres) it:
 *
 * 1. creates a ServiceManager database (its migrations: the change feed's
 *    triggers record every write) and fills it with --size work items, each
 *    created, then set pending, then resolved, with a history row per step:
 *    six changes per work item;
 * 2. moves the feed's changes into the staging tables of a new
 *    DWStagingAndConfig with one `COPY (SELECT … FROM changes) TO STDOUT |
 *    COPY staging_… FROM STDIN` per kind on the same server: the FLOOR (rows
 *    per second the server moves those rows at without any transformation);
 * 3. times the Transform job (staging → DWRepository) and the Load job
 *    (DWRepository → DWDataMart) over them, in batches of --batch, as the DW
 *    server runs them, and reports rows per second of each and of both
 *    against the floor.
 *
 * What it does NOT measure: Extract over HTTP (the management server's API
 * paging the feed) and the end-to-end lag under sustained writes; the
 * 1M-work-item figures of the issue. Everything it creates is dropped at
 * the end unless --keep.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { silentProgress } from '../../src/backup/progress.js';
import { DW_DATABASES } from '../../src/data-warehouse/dw-databases.js';
import type { JobTally } from '../../src/data-warehouse/dw-job-run.js';
import { loadAll } from '../../src/data-warehouse/load-job.js';
import { transformAll } from '../../src/data-warehouse/transform-job.js';
import type { Database } from '../../src/db/database.js';
import { withDatabaseName } from '../../src/db/database-url.js';
import { migrate } from '../../src/db/migrate.js';
import { serviceManagerMigrations } from '../../src/db/migrations/service-manager.js';
import { openDatabase } from '../../src/db/open-database.js';

const ADMIN_URL = process.env.SMGR_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const { values: flags } = parseArgs({
  options: {
    size: { type: 'string', default: '2000' },
    batch: { type: 'string', default: '500' },
    keep: { type: 'boolean', default: false },
  },
});
const size = Number(flags.size);
const batchSize = Number(flags.batch);
if (!Number.isSafeInteger(size) || size < 1)
  throw new Error(`--size: a number of work items, got ${flags.size}`);

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

async function fillServiceManager(sm: Database): Promise<number> {
  await migrate(sm, serviceManagerMigrations);
  await sm.query(
    `INSERT INTO work_items (id, class, display_id, title, status, priority, affected_user, created_at, updated_at)
     SELECT g, 'incident', 'IR' || g, 'bench item ' || g, 'active', 1 + g % 4, 'user' || (g % 50),
            now() - make_interval(days => g % 700), now() - make_interval(days => g % 700)
       FROM generate_series(1, $1::integer) g`,
    [size],
  );
  await sm.query(
    `INSERT INTO work_item_history (work_item_id, at, actor, change)
     SELECT id, created_at, 'bench', '{"created": {}}'::jsonb FROM work_items`,
  );
  for (const [status, hours] of [
    ['pending', 2],
    ['resolved', 30],
  ] as const) {
    await sm.query(
      `UPDATE work_items SET status = $1, assigned_to = 'analyst' || (id % 7),
              updated_at = created_at + make_interval(hours => $2::integer)`,
      [status, hours],
    );
    await sm.query(
      `INSERT INTO work_item_history (work_item_id, at, actor, change)
       SELECT id, updated_at, 'bench', jsonb_build_object('changed', jsonb_build_object('status', status))
         FROM work_items`,
    );
  }
  const n = await sm.query<{ n: number }>('SELECT count(*)::int AS n FROM changes');
  return n.rows[0]!.n;
}

const KINDS = {
  'work-item': 'staging_work_items',
  'work-item-history': 'staging_work_item_history',
} as const;

/** The floor: the feed's rows into the staging tables by COPY, one stream per kind. */
async function copyFloor(sm: Database, staging: Database): Promise<number> {
  let rows = 0;
  for (const [kind, table] of Object.entries(KINDS)) {
    await sm.transaction(async (out) => {
      await staging.transaction(async (inp) => {
        rows += await inp.copyIn(
          `${table} (position, op, entity_id, changed_at, data, run_id)`,
          out.copyOut(
            `(SELECT epoch::text || '-' || xid::text || '-' || id::text, op, entity_id, at, data, 0
                FROM changes WHERE kind = '${kind}' ORDER BY epoch, xid, id)`,
          ),
        );
      });
    });
  }
  return rows;
}

async function main(): Promise<void> {
  const tag = `smgr_bench_dw_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const names = ['sm', 'staging', 'repository', 'datamart'].map((n) => `${tag}_${n}`);
  for (const n of names) await admin(`CREATE DATABASE ${n}`);
  const [sm, staging, repository, datamart] = await Promise.all(
    names.map((n) => openDatabase(withDatabaseName(ADMIN_URL, n))),
  );
  try {
    for (const spec of DW_DATABASES)
      await migrate({ staging, repository, datamart }[spec.role]!, spec.migrations);
    const changes = await fillServiceManager(sm!);
    let t0 = process.hrtime.bigint();
    const copied = await copyFloor(sm!, staging!);
    const floorS = seconds(t0);
    const tally = (): JobTally => ({ rows: 0, batches: 0, watermark: null });
    const dbs = { staging: staging!, repository: repository!, datamart: datamart!, dwName: 'bench' };
    const tt = tally();
    t0 = process.hrtime.bigint();
    await transformAll({ ...dbs, batchSize, progress: silentProgress }, tt);
    const transformS = seconds(t0);
    const lt = tally();
    t0 = process.hrtime.bigint();
    await loadAll({ ...dbs, batchSize, retentionDays: 1095, progress: silentProgress }, lt);
    const loadS = seconds(t0);
    const facts = await datamart!.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM work_item_status_fact',
    );
    const rate = (rows: number, s: number) => Math.round(rows / s);
    const lines = [
      `# DW initial load, ${size} work items (${changes} changes), batches of ${batchSize}, ${new Date().toISOString().slice(0, 10)}`,
      '',
      '| step | rows | seconds | rows/s | vs COPY floor |',
      '|---|---|---|---|---|',
      `| COPY TO STDOUT \\| COPY FROM STDIN (floor) | ${copied} | ${floorS.toFixed(2)} | ${rate(copied, floorS)} | 1.0x |`,
      `| transform (staging → DWRepository) | ${tt.rows} | ${transformS.toFixed(2)} | ${rate(tt.rows, transformS)} | ${(transformS / floorS).toFixed(1)}x |`,
      `| load (DWRepository → DWDataMart) | ${lt.rows} | ${loadS.toFixed(2)} | ${rate(lt.rows, loadS)} | ${(loadS / floorS).toFixed(1)}x |`,
      `| transform + load | ${copied} | ${(transformS + loadS).toFixed(2)} | ${rate(copied, transformS + loadS)} | ${((transformS + loadS) / floorS).toFixed(1)}x |`,
      '',
      `Status stays in the mart: ${facts.rows[0]!.n}. Extract over HTTP and the lag under load are not measured here.`,
    ];
    console.log(lines.join('\n'));
  } finally {
    for (const db of [sm, staging, repository, datamart]) await db?.close();
    if (!flags.keep) for (const n of names) await admin(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`);
  }
}

await main();
