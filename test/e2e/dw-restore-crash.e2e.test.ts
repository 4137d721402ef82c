/**
 * kill -9 of `smgr restore data-warehouse` (docs/FORMAT.md §2.12) at points spread over its run —
 * progress events, never times (a first, whole run lists them): after each kill the same restore run
 * again finishes, the three databases equal those of an uninterrupted restore, and no restore
 * marker is left. On a PostgreSQL server (three points) and on PGlite (one point, mid-run: its
 * databases are slow to create on a loaded machine).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { silentProgress } from '../../src/backup/progress.js';
import { loadAll } from '../../src/data-warehouse/load-job.js';
import { transformAll } from '../../src/data-warehouse/transform-job.js';
import { openDatabase } from '../../src/db/open-database.js';
import { CLI, type CliEnv, jsonOut, runCli } from '../support/cli.js';
import { type DwUrls, newDwUrls, passwordFile, setupDw } from '../support/dw.js';
import { ENGINES, tempDir } from '../support/engines.js';
import { dumpDatabaseAt } from '../support/snapshot.js';

const PASSPHRASE = 'dw crash passphrase 8';
const LEFT_OUT = ['dw_group.repository_database', 'dw_group.datamart_database', 'smgr_schema.applied_at'];

/** `smgr --json restore data-warehouse`, killed with SIGKILL as it prints its `killAt`-th progress event. */
function restoreDw(env: CliEnv, args: string[], killAt?: number) {
  return new Promise<{ code: number | null; events: string[]; stdout: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, '--json', 'restore', 'data-warehouse', ...args], {
      env: { ...process.env, SMGR_HOME: env.home, SMGR_COMPUTER_NAME: env.computerName ?? 'dw-crash' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const events: string[] = [];
    let stdout = '';
    let pending = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      pending += d;
      for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n')) {
        const e = JSON.parse(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        if (e.type !== 'progress') continue;
        events.push(e.phase === 'step' ? `step: ${e.message}` : `${e.phase} ${e.database}.${e.table}`);
        if (events.length === killAt) child.kill('SIGKILL');
      }
    });
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, events, stdout }));
  });
}

const urlArgs = (u: DwUrls) => [
  '--staging-database',
  u.staging,
  '--repository-database',
  u.repository,
  '--datamart-database',
  u.datamart,
];

async function dumps(u: DwUrls): Promise<string[]> {
  return [
    await dumpDatabaseAt(u.staging, LEFT_OUT),
    await dumpDatabaseAt(u.repository, LEFT_OUT),
    await dumpDatabaseAt(u.datamart, LEFT_OUT),
  ];
}

for (const makeFixture of ENGINES) {
  const fx = makeFixture();
  describe(`kill -9 of restore data-warehouse (${fx.name})`, () => {
    const root = tempDir('smgr-dwcrash-');
    const keyFile = path.join(root, 'dw.smkey');
    const passphrase = passwordFile(root, PASSPHRASE);
    let archive = '';
    const newUrls = async (tag: string): Promise<DwUrls> =>
      fx.name === 'server'
        ? newDwUrls(fx)
        : {
            staging: `pglite:${path.join(root, tag, 'DWStagingAndConfig')}`,
            repository: `pglite:${path.join(root, tag, 'DWRepository')}`,
            datamart: `pglite:${path.join(root, tag, 'DWDataMart')}`,
          };

    before(async () => {
      const env: CliEnv = { home: path.join(root, 'source-home'), computerName: 'dw-src' };
      const urls = await newUrls('source');
      await setupDw(env, 'Crash DW', urls, passwordFile(root));
      // 3000 staged work items, then the real Transform and Load jobs fill DWRepository and DWDataMart.
      const staging = await openDatabase(urls.staging);
      const repository = await openDatabase(urls.repository);
      const datamart = await openDatabase(urls.datamart);
      try {
        await staging.query(
          `INSERT INTO staging_work_items (position, op, entity_id, changed_at, data, run_id)
           SELECT '2-1000-' || g, 'insert', g, timestamptz '2026-11-10 10:00:00+00',
                  jsonb_build_object('id', g, 'class', 'incident', 'display_id', 'IR' || g,
                    'title', repeat(md5(g::text), 8), 'description', null, 'priority', 2, 'status', 'active',
                    'assigned_to', null, 'affected_user', null, 'properties', '{}'::jsonb,
                    'created_at', '2026-11-10T10:00:00.000Z', 'updated_at', '2026-11-10T10:00:00.000Z',
                    'resolve_by', null, 'breached_at', null), 1
             FROM generate_series(1, 3000) g`,
        );
        const tally = () => ({ rows: 0, batches: 0, watermark: null });
        const common = { staging, repository, dwName: 'Crash DW', batchSize: 500, progress: silentProgress };
        await transformAll(common, tally());
        await loadAll({ ...common, datamart, retentionDays: 3 * 365 }, tally());
        const n = await datamart.query<{ n: number }>('SELECT count(*)::int AS n FROM work_item_dim');
        assert.equal(n.rows[0]?.n, 3000, 'the Load job filled the data mart');
      } finally {
        await datamart.close();
        await repository.close();
        await staging.close();
      }
      const kb = await runCli(
        ['key', 'backup', '--json', '--file', keyFile, '--password-file', passphrase],
        env,
      );
      assert.equal(kb.code, 0, kb.stdout + kb.stderr);
      const b = await runCli(['--json', 'backup', 'create', '--to', path.join(root, 'backups')], env);
      assert.equal(b.code, 0, b.stdout + b.stderr);
      archive = jsonOut(b.stdout).archives[0].file;
    });
    after(async () => {
      await fx.cleanup();
      fs.rmSync(root, { recursive: true, force: true });
    });

    test('kill -9 of restore data-warehouse at points spread over its run: the same restore again finishes it', async () => {
      const env: CliEnv = { home: path.join(root, 'crash-home'), computerName: 'dw-crash' };
      const keys = ['--from', archive, '--key-file', keyFile, '--password-file', passphrase];
      const reference = await newUrls('reference');
      const ref = await restoreDw(env, [...keys, ...urlArgs(reference)]);
      assert.equal(ref.code, 0, ref.stdout);
      const expected = await dumps(reference);
      const n = ref.events.length;
      assert.ok(n >= 4, ref.events.join('\n'));
      const points = fx.name === 'server' ? [1, Math.floor(n / 2), n - 1] : [Math.floor(n / 2)];
      for (const [i, k] of points.entries()) {
        const target = await newUrls(`crash-${i}`);
        const killed = await restoreDw(env, [...keys, ...urlArgs(target)], k);
        assert.notEqual(killed.code, 0, `killed at event ${k}`);
        const again = await restoreDw(env, [...keys, ...urlArgs(target)]);
        assert.equal(again.code, 0, `after a kill at event ${k} (${ref.events[k - 1]}): ${again.stdout}`);
        assert.deepEqual(await dumps(target), expected, `after a kill at event ${k}`);
        for (const u of Object.values(target)) {
          const db = await openDatabase(u);
          try {
            const c = await db.query<{ c: string | null }>(
              "SELECT obj_description('public'::regnamespace, 'pg_namespace') AS c",
            );
            assert.ok(!c.rows[0]?.c?.startsWith('smgr-restore'), 'no marker left');
          } finally {
            await db.close();
          }
        }
      }
    });
  });
}
