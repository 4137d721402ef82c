/**
 * `smgr serve` on a data warehouse computer (issue 9 items 6 and 8), the DW
 * embedded and the management server on PostgreSQL: serve refuses, changing
 * nothing, when the DW key does not verify against its record in
 * ServiceManager; once started it serves /health, /api/v1/dw/jobs
 * (Basic authentication of a DW user) and /metrics on its own address, heartbeats (the DW
 * computer is alive in the Service Manager group's status), extracts on its
 * schedule and on demand through the admin channel; status and doctor show
 * both key records, both registrations, the watermark and the last extract.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDatabase } from '../../src/db/open-database.js';
import { type CliEnv, jsonOut, runCli, type ServeHandle, startServe } from '../support/cli.js';
import {
  DW_PASSWORD,
  makeChanges,
  passwordFile,
  refusal,
  registerDw,
  servedManagementServer,
  setDwSettings,
  setupDw,
  signIn,
  snapshotAll,
} from '../support/dw.js';
import { serverFixture, tempDir } from '../support/engines.js';
import { eventually } from '../support/eventually.js';
import { SERVER_HOUSEKEEPING } from '../support/snapshot.js';

const ADMIN_PASSWORD = 'sm-admin-pass-7a7a';

describe('serve on a data warehouse computer', () => {
  const fx = serverFixture();
  const root = tempDir('smgr-dw-serve-');
  const smPw = passwordFile(root, ADMIN_PASSWORD);
  const dw: CliEnv = { home: path.join(root, 'dw-home'), computerName: 'dw01' };
  const staging = `pglite:${path.join(dw.home, 'databases', 'DWStagingAndConfig')}`;
  let sm: Awaited<ReturnType<typeof servedManagementServer>>;
  let server: ServeHandle | undefined;
  before(async () => {
    sm = await servedManagementServer(fx, root, 'Serve SM', 'ms01', smPw);
    await setupDw(dw, 'Serve DW', {}, passwordFile(root, DW_PASSWORD));
    setDwSettings(dw.home, { extract: { intervalSeconds: 1, batchSize: 50 } });
    await registerDw(dw, sm.baseUrl, smPw);
  });
  after(async () => {
    await server?.stop();
    await sm?.server.stop();
    await fx.cleanup();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('a DW key that does not verify against ServiceManager: serve refuses and changes nothing', async () => {
    const db = await openDatabase(sm.url);
    const saved = (
      await db.query<{ v: Buffer }>("SELECT verifier AS v FROM key_records WHERE part = 'data-warehouse'")
    ).rows[0]!.v;
    await db.query("UPDATE key_records SET verifier = $1 WHERE part = 'data-warehouse'", [
      Buffer.alloc(32, 7),
    ]);
    try {
      const leftOut = [
        ...SERVER_HOUSEKEEPING,
        'audit_log',
        'api_tokens',
        'sign_in_throttle',
        'users.updated_at',
      ];
      const before = await snapshotAll([staging], dw.home);
      const smBefore = await snapshotAll([sm.url], sm.env.home, leftOut);
      const r = await runCli(['serve', '--json', '--listen', '127.0.0.1:0'], dw);
      assert.equal(r.code, 13, r.stdout + r.stderr);
      const e = refusal(r.stdout);
      assert.equal(e.code, 'DW_KEY_MISMATCH_SOURCE');
      assert.match(e.message, /does not verify against the record in ServiceManager/);
      assert.match(e.remedy, /smgr key restore/);
      assert.deepEqual(await snapshotAll([staging], dw.home), before);
      assert.deepEqual(await snapshotAll([sm.url], sm.env.home, leftOut), smBefore);
    } finally {
      await db.query("UPDATE key_records SET verifier = $1 WHERE part = 'data-warehouse'", [saved]);
      await db.close();
    }
  });

  test('serves /health and /api/v1/dw/jobs, heartbeats, extracts on schedule and on demand; status and doctor', async () => {
    server = await startServe(dw);
    const health = await fetch(`${server.baseUrl}/health`).then((r) => r.json());
    assert.deepEqual(health, {
      status: 'ok',
      part: 'data-warehouse',
      managementGroup: 'Serve DW',
      computerName: 'dw01',
    });
    const noAuth = await fetch(`${server.baseUrl}/api/v1/dw/jobs`);
    assert.equal(noAuth.status, 401);
    assert.equal(((await noAuth.json()) as { error: string }).error, 'UNAUTHORIZED');
    const token = await signIn(sm.baseUrl, ADMIN_PASSWORD);
    await makeChanges(sm.baseUrl, token, 6, 'scheduled');
    const basic = `Basic ${Buffer.from(`dwadmin:${DW_PASSWORD}`).toString('base64')}`;
    await eventually('a scheduled extract with rows', async () => {
      const jobs = (await fetch(`${server!.baseUrl}/api/v1/dw/jobs`, {
        headers: { authorization: basic },
      }).then((r) => r.json())) as {
        jobs: Array<{ runs: Array<{ outcome: string; rows: number }> }>;
      };
      return jobs.jobs[0]!.runs.some((r) => r.outcome === 'ok' && r.rows > 0);
    });
    // dw-metrics: the running server's GET /metrics over real HTTP from loopback (open), read from the databases.
    const scrape = await fetch(`${server.baseUrl}/metrics`);
    assert.equal(scrape.status, 200);
    const text = await scrape.text();
    assert.match(text, /^smgr_dw_job_last_run_success\{job="extract"\} 1$/m);
    assert.match(text, /^smgr_dw_http_requests_total\{method="GET",route="\/health",status="200"\} 1$/m);
    // On demand, through the running server's admin channel (the embedded databases are the server's).
    const onDemand = await runCli(['dw', 'run', 'extract', '--json'], dw);
    assert.ok(onDemand.code === 0 || refusal(onDemand.stdout).code === 'DW_EXTRACT_RUNNING', onDemand.stdout);
    await eventually('the DW computer alive in the Service Manager group status', async () => {
      const status = jsonOut((await runCli(['status', '--json'], sm.env)).stdout);
      const ms = status.parts.find((p: { part: string }) => p.part === 'management-server');
      const entry = ms.servers.find((s: { part: string }) => s.part === 'data-warehouse');
      return entry?.computerName === 'dw01' && entry.alive === true && Boolean(entry.lastHeartbeat);
    });
    const status = jsonOut((await runCli(['status', '--json'], dw)).stdout);
    const part = status.parts.find((p: { part: string }) => p.part === 'data-warehouse');
    assert.equal(part.registration.group.name, 'Serve SM');
    assert.ok(part.extract.watermark);
    assert.ok(part.extract.lastSuccessAt);
    // The extract check passes while the last success is at most 3 intervals (3 s here) old: on a busy
    // machine a doctor run can start just past that, so ask again until one sees a recent extract.
    const names = [
      'DW key (DWStagingAndConfig)',
      'DW key (ServiceManager)',
      'DW registration in ServiceManager',
      'extract',
    ];
    let seen = '';
    await eventually('a doctor run with every DW check passing', async () => {
      const doctor = await runCli(['doctor', '--json'], dw);
      seen = doctor.stdout;
      if (doctor.code !== 0) return false;
      const checks = jsonOut(doctor.stdout).checks as Array<{ name: string; state: string }>;
      return names.every((name) => checks.find((c) => c.name === name)?.state === 'pass');
    }).catch((e) => {
      throw new Error(`${(e as Error).message}; the last doctor run: ${seen}`);
    });
    assert.equal(await server.stop(), 0);
    server = undefined;
    await eventually('the DW computer stopped in the Service Manager group status', async () => {
      const s = jsonOut((await runCli(['status', '--json'], sm.env)).stdout);
      const ms = s.parts.find((p: { part: string }) => p.part === 'management-server');
      return ms.servers.find((x: { part: string }) => x.part === 'data-warehouse')?.alive === false;
    });
  });
});
