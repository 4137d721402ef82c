/**
 * The DW server's job runner end to end (issue 11 item 3): with the
 * management server and the DW on PostgreSQL, changes made through the
 * management server's API reach the data mart within seconds (a scheduled
 * extract that moved rows runs transform and load at once); every job is in
 * GET /api/v1/dw/jobs and `smgr status` with its last run; `smgr dw run all`
 * runs the five jobs through the server's runner; a failing job's error is
 * shown by status and the API.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDatabase } from '../../src/db/open-database.js';
import { api, type CliEnv, jsonOut, runCli, type ServeHandle, startServe } from '../support/cli.js';
import {
  DW_PASSWORD,
  newDwUrls,
  passwordFile,
  registerDw,
  servedManagementServer,
  setDwSettings,
  setupDw,
  signIn,
} from '../support/dw.js';
import { serverFixture, tempDir } from '../support/engines.js';
import { eventually } from '../support/eventually.js';

const ADMIN_PASSWORD = 'sm-admin-pass-51e0';

describe('the DW job runner: the data mart seconds behind the management server', () => {
  const fx = serverFixture();
  const root = tempDir('smgr-dw-etl-serve-');
  const smPw = passwordFile(root, ADMIN_PASSWORD);
  const dw: CliEnv = { home: path.join(root, 'dw-home'), computerName: 'dw01' };
  let sm: Awaited<ReturnType<typeof servedManagementServer>>;
  let urls: Awaited<ReturnType<typeof newDwUrls>>;
  let server: ServeHandle | undefined;
  before(async () => {
    sm = await servedManagementServer(fx, root, 'ETL Serve SM', 'ms01', smPw);
    urls = await newDwUrls(fx);
    await setupDw(dw, 'ETL Serve DW', urls, passwordFile(root, DW_PASSWORD));
    setDwSettings(dw.home, { extract: { intervalSeconds: 1, batchSize: 100 } });
    await registerDw(dw, sm.baseUrl, smPw);
  });
  after(async () => {
    await server?.stop();
    await sm?.server.stop();
    await fx.cleanup();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('changes reach the mart by the chain; every job in the API and status; run all; a failure shown', async () => {
    server = await startServe(dw);
    const token = await signIn(sm.baseUrl, ADMIN_PASSWORD);
    const ci = await api(
      sm.baseUrl,
      'POST',
      '/api/v1/config-items',
      { class: 'computer', name: 'web01' },
      token,
    );
    assert.equal(ci.status, 201, ci.text);
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await api(
        sm.baseUrl,
        'POST',
        '/api/v1/work-items',
        { class: 'incident', title: `chain ${i}`, priority: 2, properties: { configItems: ['web01'] } },
        token,
      );
      assert.equal(r.status, 201, r.text);
      ids.push(r.body.id);
    }
    for (const id of ids.slice(0, 2)) {
      const p = await api(
        sm.baseUrl,
        'PATCH',
        `/api/v1/work-items/${id}`,
        { status: 'resolved', assignedTo: 'admin' },
        token,
      );
      assert.equal(p.status, 200, p.text);
    }
    const changedAt = Date.now();
    const mart = await openDatabase(urls.datamart);
    try {
      await eventually(
        'the resolutions in the data mart',
        async () => {
          const r = await mart.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM work_item_resolved_fact WHERE work_item_id = ANY($1::bigint[])',
            [ids],
          );
          return r.rows[0]!.n === 2;
        },
        { everyMs: 200 },
      );
      const lagS = (Date.now() - changedAt) / 1000;
      assert.ok(lagS < 60, `the mart was ${lagS} s behind`);
      const cis = await mart.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM work_item_config_item_fact f JOIN config_item_dim c
            ON c.config_item_id = f.config_item_id AND c.is_current
          WHERE c.name = 'web01'`,
      );
      assert.equal(cis.rows[0]!.n, 4);
      const assigned = await mart.query<{ username: string; user_id: string | null }>(
        'SELECT username, user_id FROM work_item_assigned_to_fact WHERE work_item_id = $1',
        [ids[0]],
      );
      assert.equal(assigned.rows[0]?.username, 'admin');
      assert.ok(assigned.rows[0]?.user_id, 'the assignee resolved to its user');
    } finally {
      await mart.close();
    }

    const basic = `Basic ${Buffer.from(`dwadmin:${DW_PASSWORD}`).toString('base64')}`;
    const jobsOf = async () =>
      (
        (await fetch(`${server!.baseUrl}/api/v1/dw/jobs`, { headers: { authorization: basic } }).then((r) =>
          r.json(),
        )) as {
          jobs: Array<{
            job: string;
            watermarks: Record<string, string>;
            lastRun: { outcome: string; rows: number } | null;
            lastError: { error: string } | null;
            runs: Array<{ outcome: string; rows: number }>;
          }>;
        }
      ).jobs;
    const jobs = await jobsOf();
    assert.deepEqual(
      jobs.map((j) => j.job),
      ['extract', 'mpsync', 'transform', 'load', 'maintenance'],
    );
    for (const name of ['mpsync', 'transform', 'load']) {
      const j = jobs.find((x) => x.job === name)!;
      assert.ok(
        j.runs.some((r) => r.outcome === 'ok' && r.rows > 0),
        `${name}: ${JSON.stringify(j.runs)}`,
      );
    }
    assert.ok(jobs.find((j) => j.job === 'transform')!.watermarks['transform:work-item']);
    assert.ok(jobs.find((j) => j.job === 'load')!.watermarks['load:work-item']);

    // On demand, through the running server's runner.
    const all = await runCli(['dw', 'run', 'all', '--json'], dw);
    assert.equal(all.code, 0, all.stdout + all.stderr);
    assert.deepEqual(
      jsonOut(all.stdout).runs.map((r: { job: string }) => r.job),
      ['mpsync', 'extract', 'transform', 'load', 'maintenance'],
    );
    const status = jsonOut((await runCli(['status', '--json'], dw)).stdout);
    const part = status.parts.find((p: { part: string }) => p.part === 'data-warehouse');
    const maintenance = part.jobs.find((j: { job: string }) => j.job === 'maintenance');
    assert.equal(maintenance.lastRun.outcome, 'ok');

    // The management server gone: MPSync fails, and says so in status and the API.
    await sm.server.stop();
    const failed = await runCli(['dw', 'run', 'mpsync', '--json'], dw);
    assert.notEqual(failed.code, 0, failed.stdout);
    assert.equal(jsonOut(failed.stdout).error, 'DW_SOURCE_UNREACHABLE');
    const after = jsonOut((await runCli(['status', '--json'], dw)).stdout);
    const dwPart = after.parts.find((p: { part: string }) => p.part === 'data-warehouse');
    const mp = dwPart.jobs.find((j: { job: string }) => j.job === 'mpsync');
    assert.match(mp.lastError.error, /Cannot reach the management server/);
    assert.ok(dwPart.warnings.some((w: string) => w.startsWith('The last mpsync run failed')));
    assert.ok((await jobsOf()).find((j) => j.job === 'mpsync')!.lastError);
  });
});
