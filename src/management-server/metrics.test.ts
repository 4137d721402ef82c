/**
 * GET /metrics on both engines: Prometheus text with the recovery, key,
 * lease, heartbeat and HTTP series; open on loopback, from elsewhere only
 * with the bearer token whose SHA-256 is configured (401 otherwise, no
 * series leaked).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { openApiFixture } from '../../test/support/api-fixture.js';
import { ENGINES, tempDir } from '../../test/support/engines.js';
import { recordKeyBackup } from '../keys/key-records.js';
import { registerComputer } from '../management-group/registration.js';
import { recordArchiveCheck } from '../recovery/archive-checks.js';
import { buildApp } from './build-app.js';
import { createMetrics } from './metrics.js';

const TOKEN = 'scrape-token-4f1d';

for (const engine of ENGINES) {
  describe(`GET /metrics (${engine().name})`, () => {
    test('series, and access: loopback open, elsewhere the bearer token', async () => {
      const f = await openApiFixture(engine);
      try {
        await recordKeyBackup(f.db, [f.keyId]);
        await f.db.query(
          `INSERT INTO workflow_lease (singleton, holder, token, since, expires_at) VALUES (true, 'ms-test-1', 7, now(), now() + interval '1 minute')
           ON CONFLICT (singleton) DO UPDATE SET holder = 'ms-test-1', token = 7`,
        );
        await registerComputer(f.db, 'ms-test-2', 'management-server', 'secondary');
        // Before any drill or backup: no sample at all, not a 0 that reads as a failed drill.
        const before = createMetrics({
          db: f.db,
          config: { managementGroup: f.group, database: 'x', keyId: f.keyId, listen: '127.0.0.1:0' },
          backupDirectory: tempDir(),
          holdsLease: () => true,
        });
        const first = await buildApp({ ...f.ctx, logger: pino({ level: 'silent' }), metrics: before });
        const empty = (await first.inject({ method: 'GET', url: '/metrics' })).body;
        await first.close();
        assert.doesNotMatch(empty, /^smgr_drill_last_\w+ /m);
        assert.doesNotMatch(empty, /^smgr_backup_last_\w+ /m);
        assert.match(empty, /^smgr_workflow_lease_token 7$/m);
        await recordArchiveCheck(f.db, {
          kind: 'drill',
          ok: true,
          archive: 'G-1.smbak',
          archiveCreatedAt: new Date().toISOString(),
          computerName: 'ms-test-1',
          startedAt: new Date().toISOString(),
          restoreMs: 1500,
          apiMs: 500,
        });
        const config = {
          managementGroup: f.group,
          database: 'x',
          keyId: f.keyId,
          listen: '127.0.0.1:0',
          metrics: { tokenSha256: createHash('sha256').update(TOKEN).digest('hex') },
        };
        const metrics = createMetrics({
          db: f.db,
          config,
          backupDirectory: tempDir(),
          holdsLease: () => true,
        });
        const app = await buildApp({ ...f.ctx, logger: pino({ level: 'silent' }), metrics });
        try {
          assert.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
          const r = await app.inject({ method: 'GET', url: '/metrics' });
          assert.equal(r.statusCode, 200, r.body);
          assert.match(r.headers['content-type'] as string, /^text\/plain/);
          const body = r.body;
          assert.match(body, /^smgr_http_requests_total\{method="GET",route="\/health",status="200"\} 1$/m);
          assert.match(
            body,
            /^smgr_http_request_duration_seconds_count\{method="GET",route="\/health"\} 1$/m,
          );
          assert.match(
            body,
            new RegExp(
              `^smgr_key_backup_age_seconds\\{key_id="${f.keyId}",part="management-group"\\} \\d`,
              'm',
            ),
          );
          assert.match(body, /^smgr_workflow_lease_token 7$/m);
          assert.match(body, /^smgr_workflow_lease_holder\{holder="ms-test-1"\} 1$/m);
          assert.match(body, /^smgr_workflow_lease_held 1$/m);
          assert.match(
            body,
            /^smgr_heartbeat_age_seconds\{computer="ms-test-2",part="management-server"\} -1$/m,
          );
          assert.match(body, /^smgr_drill_last_success 1$/m);
          assert.match(body, /^smgr_drill_last_duration_seconds 2$/m);
          assert.match(body, /^smgr_recoverable 1$/m); // key backed up, the drilled archive is verified and young
          const far = { remoteAddress: '10.9.8.7' };
          const denied = await app.inject({ method: 'GET', url: '/metrics', ...far });
          assert.equal(denied.statusCode, 401);
          assert.equal(denied.json().error, 'METRICS_UNAUTHORIZED');
          assert.doesNotMatch(denied.body, /smgr_/);
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
          assert.match(ok.body, /smgr_workflow_lease_token 7/);
        } finally {
          await app.close();
        }
      } finally {
        await f.close();
      }
    });
  });
}
