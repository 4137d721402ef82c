/**
 * kill -9 of `smgr dw run transform` and `smgr dw run load` (issue 11, "What
 * must show") at points spread over their runs — as a batch is read, as its
 * watermark is being committed, between batches — with new changes
 * extracted between runs. The kill points are progress events, never
 * times. After whole runs, DWRepository and DWDataMart equal those of one
 * uninterrupted transform and load of the same staged changes (the two
 * databases emptied and filled again), and the killed runs are in the run
 * history as interrupted.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDatabase } from '../../src/db/open-database.js';
import { CLI, type CliEnv, jsonOut } from '../support/cli.js';
import {
  DW_PASSWORD,
  emptyTables,
  extractUntil,
  makeChanges,
  newDwUrls,
  passwordFile,
  registerDw,
  servedManagementServer,
  setDwSettings,
  setupDw,
  signIn,
} from '../support/dw.js';
import { dumpDwAt } from '../support/dw-mart.js';
import { serverFixture, tempDir } from '../support/engines.js';

const ADMIN_PASSWORD = 'sm-admin-pass-7c2b';

/** Runs `smgr --json dw run JOB`, killed with SIGKILL as it prints its `killAt`-th progress event. */
function runJob(
  env: CliEnv,
  job: string,
  killAt?: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; events: string[]; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, '--json', 'dw', 'run', job], {
      env: { ...process.env, SMGR_HOME: env.home, SMGR_COMPUTER_NAME: env.computerName },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const events: string[] = [];
    let stdout = '';
    let pending = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      pending += d;
      for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const message = (JSON.parse(line) as { message?: string }).message;
        if (message) events.push(message);
        if (killAt !== undefined && events.length === killAt) child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, events, stdout }));
  });
}

describe('transform and load killed at several points: the data mart of an uninterrupted run', () => {
  const fx = serverFixture();
  const root = tempDir('smgr-dw-etl-crash-');
  const smPw = passwordFile(root, ADMIN_PASSWORD);
  const dw: CliEnv = { home: path.join(root, 'dw-home'), computerName: 'dw01' };
  let sm: Awaited<ReturnType<typeof servedManagementServer>>;
  let urls: Awaited<ReturnType<typeof newDwUrls>>;
  before(async () => {
    sm = await servedManagementServer(fx, root, 'ETL Crash SM', 'ms01', smPw);
    urls = await newDwUrls(fx);
    await setupDw(dw, 'ETL Crash DW', urls, passwordFile(root, DW_PASSWORD));
    // Small batches, so a run has many points to be killed at.
    setDwSettings(dw.home, { jobs: { batchSize: 4 } });
    await registerDw(dw, sm.baseUrl, smPw);
  });
  after(async () => {
    await sm?.server.stop();
    await fx.cleanup();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('kill -9 of transform and of load mid-run, again and again; then whole runs', async () => {
    const token = await signIn(sm.baseUrl, ADMIN_PASSWORD);
    const sync = await runJob(dw, 'mpsync');
    assert.equal(sync.code, 0, sync.stdout);
    await makeChanges(sm.baseUrl, token, 16, 'first');
    await extractUntil(dw, urls.staging, 'first', 16);
    let killed = 0;
    // The events of a batch: "<job> <kind>: n ... after ...", then "... committing watermark ...".
    const plan: Array<[string, number]> = [
      ['transform', 1],
      ['transform', 2],
      ['transform', 4],
      ['load', 2],
      ['transform', 7],
      ['load', 1],
      ['load', 3],
      ['transform', 3],
      ['load', 5],
      ['load', 8],
    ];
    for (const [i, [job, k]] of plan.entries()) {
      const r = await runJob(dw, job, k);
      if (r.signal === 'SIGKILL') killed++;
      else assert.equal(r.code, 0, r.stdout);
      if (i % 3 === 2) {
        await makeChanges(sm.baseUrl, token, 3, `more ${i}`);
        await extractUntil(dw, urls.staging, `more ${i}`, 3);
      }
    }
    assert.ok(killed >= 7, `only ${killed} runs were killed`);
    for (const job of ['transform', 'load']) {
      const whole = await runJob(dw, job);
      assert.equal(whole.code, 0, whole.stdout);
    }
    const repository = await dumpDwAt(urls.repository);
    const datamart = await dumpDwAt(urls.datamart);
    assert.ok((datamart.work_item_dim ?? []).length >= 30, 'the mart holds the work items');
    assert.ok((datamart.work_item_resolved_fact ?? []).length >= 5, 'and their resolutions');

    // The same staged changes through one uninterrupted transform and load.
    for (const url of [urls.repository, urls.datamart]) await emptyTables(url);
    for (const job of ['transform', 'load']) {
      const whole = await runJob(dw, job);
      assert.equal(whole.code, 0, whole.stdout);
      assert.ok(jsonOut(whole.stdout).runs[0].rows > 0);
    }
    assert.deepEqual(await dumpDwAt(urls.repository), repository);
    assert.deepEqual(await dumpDwAt(urls.datamart), datamart);

    const staging = await openDatabase(urls.staging);
    try {
      const runs = await staging.query<{ job: string; outcome: string; n: number }>(
        `SELECT job, outcome, count(*)::int AS n FROM job_runs WHERE job IN ('transform', 'load')
          GROUP BY job, outcome ORDER BY job, outcome`,
      );
      const interrupted = runs.rows.filter((r) => r.outcome === 'interrupted').reduce((n, r) => n + r.n, 0);
      assert.ok(interrupted >= killed - 2, JSON.stringify(runs.rows));
      assert.equal((await staging.query('SELECT 1 FROM job_runs WHERE finished_at IS NULL')).rowCount, 0);
    } finally {
      await staging.close();
    }
  });
});
