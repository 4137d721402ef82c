/**
 * The scheduler on both engines: only a lease holder runs workflows; runs
 * are numbered, carry the token, respect the interval; an unfinished run of
 * an earlier tenure is marked interrupted and the new holder runs at once;
 * failures are recorded by code; stop() waits for the run in progress.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { ENGINES } from '../../../test/support/engines.js';
import { eventually, sleep } from '../../../test/support/eventually.js';
import { FAST } from '../../../test/support/lease.js';
import { captureLogger, openClaimedGroup, schedulerFor } from '../../../test/support/workflows.js';
import type { Database } from '../../db/database.js';
import { SmgrError } from '../../errors/smgr-error.js';
import { fenced } from '../../management-group/fence.js';
import { promote } from '../../management-group/promote.js';
import { claimLease } from '../../management-group/workflow-lease.js';
import { startRun } from './run-history.js';
import type { Workflow } from './workflow.js';

const counting = (name: string, intervalMs = 60_000): Workflow & { runs: number } => {
  const w = {
    name,
    intervalMs,
    runs: 0,
    async run(ctx: Parameters<Workflow['run']>[0]) {
      w.runs++;
      ctx.counts.done = 1;
    },
  };
  return w;
};

async function history(db: Database) {
  const r = await db.query<{ workflow: string; seq: number; holder: string; token: number; outcome: string }>(
    'SELECT workflow, seq, holder, token, outcome FROM workflow_runs ORDER BY workflow, seq',
  );
  return r.rows.map((x) => [x.workflow, x.seq, x.holder, x.token, x.outcome]);
}

for (const makeFixture of ENGINES) {
  const fx = makeFixture();
  describe(`workflow scheduler (${fx.name})`, () => {
    after(() => fx.cleanup());

    test('only the lease holder runs; runs are numbered, carry the token, and wait for their interval', async () => {
      const { db, tenure } = await openClaimedGroup(fx);
      try {
        const a = counting('alpha');
        const b = counting('beta', 1);
        const holder = schedulerFor(db, () => tenure, [a, b]);
        const secondary = schedulerFor(db, () => undefined, [a, b]);
        await secondary.runDue();
        assert.equal(a.runs + b.runs, 0, 'a server without the lease runs nothing');
        await holder.runDue();
        await sleep(5); // beta's 1 ms interval passes (load only lengthens this)
        await holder.runDue();
        await secondary.runDue();
        assert.equal(a.runs, 1, 'alpha is not due again within its interval');
        assert.equal(b.runs, 2);
        assert.deepEqual(await history(db), [
          ['alpha', 1, 'ms01', tenure.token, 'ok'],
          ['beta', 1, 'ms01', tenure.token, 'ok'],
          ['beta', 2, 'ms01', tenure.token, 'ok'],
        ]);
      } finally {
        await db.close();
      }
    });

    test('an unfinished run of an earlier tenure is marked interrupted; the new holder runs it at once', async () => {
      const { db, tenure } = await openClaimedGroup(fx);
      try {
        await fenced(db, tenure, FAST.fenceIdleMs, (tx) => startRun(tx, 'alpha', 60_000, tenure));
        await promote(db, { computer: 'ms02', force: true, actor: 't', settings: FAST });
        const t2 = (await claimLease(db, 'ms02', randomUUID(), 60_000, FAST.lockTimeoutMs))!;
        const old = schedulerFor(db, () => tenure, [counting('alpha')]);
        await old.runDue();
        const a = counting('alpha');
        await schedulerFor(db, () => t2, [a]).runDue();
        assert.equal(a.runs, 1);
        assert.deepEqual(await history(db), [
          ['alpha', 1, 'ms01', tenure.token, 'interrupted'],
          ['alpha', 2, 'ms02', t2.token, 'ok'],
        ]);
      } finally {
        await db.close();
      }
    });

    test('a failing workflow is recorded failed with an error code, never a message', async () => {
      const { db, tenure } = await openClaimedGroup(fx);
      try {
        const { logger, lines } = captureLogger();
        const boom: Workflow = {
          name: 'boom',
          intervalMs: 60_000,
          async run(ctx) {
            ctx.counts.before = 3;
            await ctx.db.query(`SELECT 'secret-value-42'::int`);
          },
        };
        const unlucky: Workflow = {
          name: 'unlucky',
          intervalMs: 60_000,
          async run() {
            throw new SmgrError('DATABASE_UNREACHABLE', { url: 'postgres://db', reason: 'secret-value-42' });
          },
        };
        await schedulerFor(db, () => tenure, [boom, unlucky], logger).runDue();
        const r = await db.query<{ workflow: string; outcome: string; error: string; counts: object }>(
          'SELECT workflow, outcome, error, counts FROM workflow_runs ORDER BY workflow',
        );
        assert.deepEqual(r.rows, [
          { workflow: 'boom', outcome: 'failed', error: 'database error 22P02', counts: { before: 3 } },
          { workflow: 'unlucky', outcome: 'failed', error: 'DATABASE_UNREACHABLE', counts: {} },
        ]);
        assert.ok(!JSON.stringify(lines()).includes('secret-value-42'), 'no message reaches the log');
      } finally {
        await db.close();
      }
    });

    test('stop() waits for the run in progress, which ends at a batch boundary, recorded as stopped', async () => {
      const { db, tenure } = await openClaimedGroup(fx);
      try {
        let batches = 0;
        let returned = false;
        const slow: Workflow = {
          name: 'slow',
          intervalMs: 60_000,
          async run(ctx) {
            while (!ctx.signal.aborted) {
              await ctx.fenced((tx) => tx.query('SELECT 1'));
              batches++;
              await sleep(20);
            }
            returned = true;
          },
        };
        const s = schedulerFor(db, () => tenure, [slow]);
        s.start();
        await eventually('two batches', () => batches >= 2);
        await s.stop();
        assert.equal(returned, true, 'stop() returned after the run did: nothing runs after it');
        const r = await db.query<{ outcome: string; error: string }>(
          'SELECT outcome, error FROM workflow_runs',
        );
        assert.deepEqual(r.rows, [{ outcome: 'failed', error: 'stopped' }]);
      } finally {
        await db.close();
      }
    });
  });
}
