/**
 * kill -9 of `smgr dw run extract` (issue 9 item 5) at points spread over
 * its run — before a fetch, after a fetch (mid-batch), while writing, and
 * with the commit of the watermark under way — with new changes made between
 * runs. The kill points are progress events, never times. After the last,
 * whole, run every change of the management server up to the watermark is
 * in the staging tables exactly once (no gap, no duplicate), and the
 * killed runs are in the run history as interrupted. After every run, the
 * position the management server holds as acknowledged (what its grooming
 * may delete up to) is never past the DW's committed watermark, though
 * extract reads a page ahead of its commit.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDatabase } from '../../src/db/open-database.js';
import { api, CLI, type CliEnv, jsonOut } from '../support/cli.js';
import {
  assertStagedExactlyOnce,
  DW_PASSWORD,
  makeChanges,
  newDwUrls,
  passwordFile,
  registerDw,
  servedManagementServer,
  setDwSettings,
  setupDw,
  signIn,
} from '../support/dw.js';
import { serverFixture, tempDir } from '../support/engines.js';

const ADMIN_PASSWORD = 'sm-admin-pass-0d1e';

/** Runs `smgr --json dw run extract`, killed with SIGKILL as it prints its `killAt`-th progress event. */
function extract(
  env: CliEnv,
  killAt?: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; events: string[]; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, '--json', 'dw', 'run', 'extract'], {
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

/** Cursor parts as numbers, in feed order. */
const parts = (p: string) => p.split('-').map(BigInt);
const notAfter = (a: string, b: string) => {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! < y[i]!;
  return true;
};

/** The management server's acknowledged position (what grooming may delete up to) <= the DW's committed one. */
async function assertAcknowledgedHeld(smUrl: string, stagingUrl: string): Promise<void> {
  const [smDb, staging] = [await openDatabase(smUrl), await openDatabase(stagingUrl)];
  try {
    const ack = (
      await smDb.query<{ p: string | null }>(
        `SELECT acknowledged_epoch::text || '-' || acknowledged_xid::text || '-' || acknowledged_id::text AS p
           FROM data_warehouse`,
      )
    ).rows[0]?.p;
    const held = (
      await staging.query<{ position: string }>(`SELECT position FROM watermarks WHERE job = 'extract'`)
    ).rows[0]?.position;
    if (ack == null) return;
    assert.ok(held, `acknowledged ${ack} with nothing committed`);
    assert.ok(notAfter(ack, held), `acknowledged ${ack} past the committed ${held}`);
  } finally {
    await smDb.close();
    await staging.close();
  }
}

describe('extract killed at several points: no gap, no duplicate', () => {
  const fx = serverFixture();
  const root = tempDir('smgr-dw-crash-');
  const smPw = passwordFile(root, ADMIN_PASSWORD);
  const dw: CliEnv = { home: path.join(root, 'dw-home'), computerName: 'dw01' };
  let sm: Awaited<ReturnType<typeof servedManagementServer>>;
  let urls: Awaited<ReturnType<typeof newDwUrls>>;
  before(async () => {
    sm = await servedManagementServer(fx, root, 'Crash SM', 'ms01', smPw);
    urls = await newDwUrls(fx);
    await setupDw(dw, 'Crash DW', urls, passwordFile(root, DW_PASSWORD));
    // Small batches, so a run has many points to be killed at.
    setDwSettings(dw.home, { extract: { batchSize: 7 } });
    await registerDw(dw, sm.baseUrl, smPw);
  });
  after(async () => {
    await sm?.server.stop();
    await fx.cleanup();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('kill -9 before a fetch, mid-batch, while writing, at the commit; then a whole run', async () => {
    const token = await signIn(sm.baseUrl, ADMIN_PASSWORD);
    await makeChanges(sm.baseUrl, token, 30, 'before');
    // The events of one batch: fetching, fetched (writing), committing, committed.
    const killPoints = [1, 2, 3, 6, 7, 8, 13];
    let interrupted = 0;
    for (const [i, k] of killPoints.entries()) {
      const r = await extract(dw, k);
      if (r.signal === 'SIGKILL') interrupted++;
      else assert.equal(r.code, 0, r.stdout);
      await assertAcknowledgedHeld(sm.url, urls.staging);
      await makeChanges(sm.baseUrl, token, 4, `between ${i}`);
    }
    assert.ok(interrupted >= 5, `only ${interrupted} runs were killed`);
    // The characters that would end a field or a row of COPY text arrive in staging as they were.
    const hostile = { title: 'tab\there \\N back\\slash', description: 'line\nnext\r\n"quoted" é €' };
    const made = await api(
      sm.baseUrl,
      'POST',
      '/api/v1/work-items',
      { class: 'incident', priority: 2, ...hostile },
      token,
    );
    assert.equal(made.status, 201, made.text);
    const whole = await extract(dw);
    assert.equal(whole.code, 0, whole.stdout);
    assert.ok(jsonOut(whole.stdout).rows > 0);
    const n = await assertStagedExactlyOnce(sm.url, urls.staging);
    assert.ok(n > 100, `${n} changes staged`);
    const staging = await openDatabase(urls.staging);
    try {
      const staged = await staging.query<{ title: string; description: string }>(
        `SELECT data->>'title' AS title, data->>'description' AS description FROM staging_work_items
          WHERE entity_id = $1 AND op = 'insert'`,
        [made.body.id],
      );
      assert.deepEqual(staged.rows, [hostile]);
      const runs = await staging.query<{ outcome: string; n: number }>(
        'SELECT outcome, count(*)::int AS n FROM job_runs GROUP BY outcome ORDER BY outcome',
      );
      const interruptedRuns = runs.rows.find((r) => r.outcome === 'interrupted')?.n ?? 0;
      assert.ok(interruptedRuns >= interrupted - 1, JSON.stringify(runs.rows));
      assert.equal((await staging.query('SELECT 1 FROM job_runs WHERE finished_at IS NULL')).rowCount, 0);
    } finally {
      await staging.close();
    }
  });
});
