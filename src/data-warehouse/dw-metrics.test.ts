/**
 * The DW's GET /metrics on both engines (dw-metrics): after a scheduled backup whose drill failed,
 * the backup's time and size, `smgr_dw_drill_last_success 0`, the failed run, the DW key's backup
 * age, a job's last run and the HTTP series; every line is Prometheus exposition text; every name
 * starts smgr_dw_ (no collision with the management server's registry in the same process); open
 * on loopback, from elsewhere only with the configured bearer token (401, no series leaked).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import pino from 'pino';
import { ENGINES, tempDir } from '../../test/support/engines.js';
import { homePaths } from '../computer/home.js';
import { readConfig } from '../config/config-file.js';
import { recordKeyBackup } from '../keys/key-records.js';
import { SecureStorage } from '../secure-storage/secure-storage.js';
import { dataWarehousePart, type OpenedDataWarehouse } from './data-warehouse-part.js';
import { buildDwApi } from './dw-api.js';
import { createDwMetrics, newestChangeAt } from './dw-metrics.js';
import { DwScheduledBackups } from './dw-scheduled-backups.js';
import { finishRun, startRun } from './job-runs.js';
import { setupNewDw } from './setup-new-dw.js';

const quiet = pino({ level: 'silent' });
const TOKEN = 'dw-scrape-token-9a2c';

/** Prometheus text exposition: HELP/TYPE comments, then `name{labels} value` samples of those families. */
function assertExposition(text: string): void {
  const families = new Set<string>();
  for (const line of text.split('\n').filter((l) => l !== '')) {
    const c = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (c) {
      if (c[1] === 'TYPE') assert.match(c[3]!, /^(counter|gauge|histogram|summary|untyped)$/, line);
      families.add(c[2]!);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_]\w*="(?:[^"\\\n]|\\.)*",?)*\})? (\S+)$/.exec(line);
    assert.ok(m, `not exposition text: ${line}`);
    // Go's ParseFloat, as Prometheus reads values: NaN and Inf in any case (prom-client writes Nan).
    assert.ok(!Number.isNaN(Number(m[4])) || /^([+-]?inf|nan)$/i.test(m[4]!), line);
    const family = m[1]!.replace(/_(bucket|sum|count|total|created)$/, '');
    assert.ok(families.has(m[1]!) || families.has(family), `sample without HELP/TYPE: ${line}`);
    assert.match(m[1]!, /^smgr_dw_/, 'every DW series is prefixed smgr_dw_');
  }
}

for (const makeFixture of ENGINES) {
  const fx = makeFixture();
  describe(`GET /metrics of the data warehouse (${fx.name})`, () => {
    const root = tempDir('smgr-dw-metrics-');
    after(async () => {
      await fx.cleanup();
      fs.rmSync(root, { recursive: true, force: true });
    });

    test('a scheduled backup and a failed drill are shown; loopback open, elsewhere the token', async () => {
      const home = homePaths(path.join(root, 'home'));
      const setup = await setupNewDw({
        home,
        computerName: 'dw01',
        groupName: 'Metrics DW',
        adminUser: 'dwadmin',
        adminPassword: 'dw-admin-pass-1',
        urls: {
          staging: await fx.newDatabaseUrl(),
          repository: await fx.newDatabaseUrl(),
          datamart: await fx.newDatabaseUrl(),
        },
      });
      const config = readConfig(home)!;
      config.parts['data-warehouse']!.backups = { schedule: '0 3 * * *' };
      config.parts['data-warehouse']!.metrics = {
        tokenSha256: createHash('sha256').update(TOKEN).digest('hex'),
      };
      const ctx = { home, config, computerName: 'dw01', storage: SecureStorage.open(home.secureStorage) };
      const dw = (await dataWarehousePart.open(ctx)) as OpenedDataWarehouse;
      try {
        // A scheduled backup (real archive, verified) whose drill fails: the run fails loudly.
        const s = new DwScheduledBackups({
          dw,
          home,
          configPath: home.config,
          computerName: 'dw01',
          directory: path.join(root, 'backups'),
          logger: quiet,
          backup: (d) => dw.backup({ directory: d, progress: { report: () => {} } }),
          drill: async (archive) => ({
            kind: 'drill',
            ok: false,
            archive: path.basename(archive.file),
            archiveCreatedAt: archive.createdAt,
            computerName: 'dw01',
            startedAt: new Date(Date.now() - 3000).toISOString(),
            finishedAt: new Date().toISOString(),
            restoreMs: 1200,
            apiMs: 300,
            error: 'the restored row counts differ',
          }),
        });
        const metrics = createDwMetrics({
          staging: dw.staging,
          repository: dw.repository,
          config: dw.config,
        });
        const app = await buildDwApi({
          staging: dw.staging,
          repository: dw.repository,
          datamart: dw.datamart,
          logger: quiet,
          identity: { managementGroup: dw.managementGroup, computerName: 'dw01' },
          metrics,
        });
        try {
          // Nothing yet: no sample (never a default 0 that would read as a failed drill).
          const empty = await app.inject({ method: 'GET', url: '/metrics' });
          assert.equal(empty.statusCode, 200);
          assertExposition(empty.body);
          assert.doesNotMatch(empty.body, /^smgr_dw_(drill|backup)_last_\w+ /m);
          assert.match(empty.body, /^# TYPE smgr_dw_drill_last_success gauge$/m);
          const run = await s.fire(new Date(Date.UTC(2026, 10, 2, 3)));
          assert.equal(run?.outcome, 'failed', JSON.stringify(run));
          await recordKeyBackup(dw.staging, [setup.keyId]);
          const runId = await startRun(dw.staging, 'extract', 'dw01:test');
          await finishRun(dw.staging, runId, { outcome: 'ok', rows: 42, batches: 1, watermark: null });

          assert.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
          const r = await app.inject({ method: 'GET', url: '/metrics' });
          assert.equal(r.statusCode, 200, r.body);
          assert.match(r.headers['content-type'] as string, /^text\/plain/);
          const body = r.body;
          assertExposition(body);
          assert.match(body, /^smgr_dw_drill_last_success 0$/m);
          assert.match(body, /^smgr_dw_drill_last_rto_seconds 1\.5$/m);
          assert.match(body, /^smgr_dw_drill_last_duration_seconds \d/m);
          assert.match(body, /^smgr_dw_backup_last_scheduled_success 0$/m);
          assert.match(body, /^smgr_dw_backup_last_timestamp_seconds \d{10}/m);
          const size = Number(/^smgr_dw_backup_last_size_bytes (\d+)$/m.exec(body)?.[1]);
          assert.ok(size > 0, 'the archive size');
          assert.match(body, /^smgr_dw_recoverable 0$/m);
          assert.match(
            body,
            new RegExp(`^smgr_dw_key_backup_age_seconds\\{key_id="${setup.keyId}"\\} \\d`, 'm'),
          );
          assert.match(body, /^smgr_dw_job_last_run_success\{job="extract"\} 1$/m);
          assert.match(body, /^smgr_dw_job_last_run_rows\{job="extract"\} 42$/m);
          // Nothing transformed yet: no ETL series (and its query runs on this engine's DWRepository).
          assert.equal(await newestChangeAt(dw.repository), null);
          assert.doesNotMatch(body, /^smgr_dw_etl_newest_change_timestamp_seconds \d/m);
          assert.match(body, /^smgr_dw_job_last_run_timestamp_seconds\{job="extract"\} \d{10}/m);
          assert.match(
            body,
            /^smgr_dw_http_requests_total\{method="GET",route="\/health",status="200"\} 1$/m,
          );
          assert.match(
            body,
            /^smgr_dw_http_request_duration_seconds_count\{method="GET",route="\/health"\} 1$/m,
          );

          // A change transformed (one version row), read at the next scrape.
          const changed = Date.parse('2026-11-01T12:00:00Z');
          await dw.repository.query(
            `INSERT INTO work_item_versions (position, pos_epoch, pos_xid, pos_id, work_item_id, changed_at,
               valid_from, deleted, class, display_id, title, status, created_at, updated_at)
             VALUES ('p1', 1, 1, 1, 1, $1, $1, false, 'incident', 'IR1', 't', 'active', $1, $1)`,
            [new Date(changed).toISOString()],
          );
          const far = { remoteAddress: '10.9.8.7' };
          const denied = await app.inject({ method: 'GET', url: '/metrics', ...far });
          assert.equal(denied.statusCode, 401);
          assert.equal(denied.json().error, 'METRICS_UNAUTHORIZED');
          assert.doesNotMatch(denied.body, /smgr_dw_/);
          const wrong = await app.inject({
            method: 'GET',
            url: '/metrics',
            ...far,
            headers: { authorization: 'Bearer nope' },
          });
          assert.equal(wrong.statusCode, 401);
          const ok = await app.inject({
            method: 'GET',
            url: '/metrics',
            ...far,
            headers: { authorization: `Bearer ${TOKEN}` },
          });
          assert.equal(ok.statusCode, 200);
          assert.match(ok.body, /^smgr_dw_drill_last_success 0$/m);
          assert.match(
            ok.body,
            new RegExp(`^smgr_dw_etl_newest_change_timestamp_seconds ${changed / 1000}$`, 'm'),
          );
        } finally {
          await app.close();
        }
      } finally {
        await dw.close();
      }
    });
  });
}
