/**
 * `smgr dw run all` on a PostgreSQL server without a DW server running
 * overlaps Extract and Transform (src/data-warehouse/dw-run-overlapped.ts).
 * With small batches (many commits to follow), DWRepository and DWDataMart
 * after it equal those of one transform and then one load, run one after
 * the other over the same staged changes (the two databases emptied and
 * filled again); the same after more changes and a second overlapped run;
 * each job has one run per `dw run all`, ok.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDatabase } from '../../src/db/open-database.js';
import { type CliEnv, jsonOut, runCli } from '../support/cli.js';
import {
  DW_PASSWORD,
  emptyTables,
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

const ADMIN_PASSWORD = 'sm-admin-pass-41d0';

describe('dw run all, overlapped: the data mart of the jobs run one after the other', () => {
  const fx = serverFixture();
  const root = tempDir('smgr-dw-run-all-');
  const smPw = passwordFile(root, ADMIN_PASSWORD);
  const dw: CliEnv = { home: path.join(root, 'dw-home'), computerName: 'dw01' };
  let sm: Awaited<ReturnType<typeof servedManagementServer>>;
  let urls: Awaited<ReturnType<typeof newDwUrls>>;
  before(async () => {
    sm = await servedManagementServer(fx, root, 'Overlap SM', 'ms01', smPw);
    urls = await newDwUrls(fx);
    await setupDw(dw, 'Overlap DW', urls, passwordFile(root, DW_PASSWORD));
    setDwSettings(dw.home, { extract: { intervalSeconds: 3600, batchSize: 7 }, jobs: { batchSize: 5 } });
    await registerDw(dw, sm.baseUrl, smPw);
  });
  after(async () => {
    await sm?.server.stop();
    await fx.cleanup();
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** `smgr dw run all`: the five jobs' results, in order, each with at least one row for the three ETL jobs. */
  const runAll = async () => {
    const r = await runCli(['dw', 'run', 'all', '--json'], dw);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const runs = jsonOut(r.stdout).runs as Array<{ job: string; rows: number; batches: number }>;
    assert.deepEqual(
      runs.map((x) => x.job),
      ['mpsync', 'extract', 'transform', 'load', 'maintenance'],
    );
    for (const x of runs.slice(1, 4)) assert.ok(x.batches > 1, `${x.job}: ${JSON.stringify(x)}`);
    return runs;
  };

  /** The repository and the mart rebuilt by `dw run transform`, then `dw run load`, from the same staging. */
  const sequentially = async () => {
    for (const url of [urls.repository, urls.datamart]) await emptyTables(url);
    for (const job of ['transform', 'load']) {
      const r = await runCli(['dw', 'run', job, '--json'], dw);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    }
    return { repository: await dumpDwAt(urls.repository), datamart: await dumpDwAt(urls.datamart) };
  };

  test('two overlapped runs, each equal to the jobs one after the other', async () => {
    const token = await signIn(sm.baseUrl, ADMIN_PASSWORD);
    await makeChanges(sm.baseUrl, token, 30, 'first', 'service-request');
    await makeChanges(sm.baseUrl, token, 12, 'first incidents');
    await runAll();
    let overlapped = { repository: await dumpDwAt(urls.repository), datamart: await dumpDwAt(urls.datamart) };
    assert.ok((overlapped.datamart.work_item_dim ?? []).length >= 42, 'the mart holds the work items');
    assert.deepEqual(await sequentially(), overlapped);

    await makeChanges(sm.baseUrl, token, 20, 'second', 'service-request');
    await runAll();
    overlapped = { repository: await dumpDwAt(urls.repository), datamart: await dumpDwAt(urls.datamart) };
    assert.ok((overlapped.datamart.work_item_dim ?? []).length >= 62);
    assert.deepEqual(await sequentially(), overlapped);

    const staging = await openDatabase(urls.staging);
    try {
      const runs = await staging.query<{ job: string; outcome: string; n: number }>(
        `SELECT job, outcome, count(*)::int AS n FROM job_runs WHERE job IN ('extract', 'transform', 'load')
          GROUP BY job, outcome ORDER BY job, outcome`,
      );
      // Two overlapped runs each, and the two sequential transforms and loads.
      assert.deepEqual(runs.rows, [
        { job: 'extract', outcome: 'ok', n: 2 },
        { job: 'load', outcome: 'ok', n: 4 },
        { job: 'transform', outcome: 'ok', n: 4 },
      ]);
    } finally {
      await staging.close();
    }
  });
});
