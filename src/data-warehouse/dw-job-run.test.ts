/**
 * One runner per DW job (issue 11 item 3), on both engines: a second run of
 * a job while one runs is refused with DW_JOB_RUNNING and records nothing
 * (in this process; on a PostgreSQL server also from another connection, by
 * the job's advisory lock); another job runs meanwhile; a run that fails is
 * in the history with its error and what it did before; a run left
 * unfinished (a killed process) is marked interrupted by the next.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES } from '../../test/support/engines.js';
import type { Database } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { dwStagingAndConfigMigrations } from '../db/migrations/dw-staging-and-config.js';
import { isSmgrError } from '../errors/smgr-error.js';
import { runDwJob } from './dw-job-run.js';
import { listRuns, startRun } from './job-runs.js';

for (const engine of ENGINES) {
  describe(`DW job runs (${engine().name})`, () => {
    const fx = engine();
    let url: string;
    let db: Database;
    before(async () => {
      url = await fx.newDatabaseUrl();
      db = await fx.open(url);
      await migrate(db, dwStagingAndConfigMigrations);
    });
    after(async () => {
      await db.close();
      await fx.cleanup();
    });
    const o = (job: 'transform' | 'load') => ({ staging: db, job, dwName: 'T', runner: 'test' });

    test('a second run of the same job is refused and records nothing; another job runs', async () => {
      let release!: () => void;
      const held = new Promise<void>((r) => {
        release = r;
      });
      let started!: () => void;
      const isStarted = new Promise<void>((r) => {
        started = r;
      });
      const first = runDwJob(o('transform'), async (t) => {
        t.rows = 3;
        started();
        await held;
      });
      await isStarted;
      const before = await listRuns(db);
      await assert.rejects(
        runDwJob(o('transform'), async () => {}),
        (e) => isSmgrError(e) && e.code === 'DW_JOB_RUNNING' && /Another transform run/.test(e.message),
      );
      if (!db.singleProcess) {
        const other = await fx.open(url);
        try {
          await assert.rejects(
            runDwJob({ ...o('transform'), staging: other }, async () => {}),
            (e) => isSmgrError(e) && e.code === 'DW_JOB_RUNNING',
          );
        } finally {
          await other.close();
        }
      }
      assert.deepEqual(await listRuns(db), before);
      const load = await runDwJob(o('load'), async (t) => {
        t.rows = 1;
      });
      assert.equal(load.rows, 1);
      release();
      const r = await first;
      assert.equal(r.rows, 3);
      const runs = await listRuns(db, 'transform');
      assert.equal(runs[0]!.outcome, 'ok');
    });

    test('a failed run keeps its error and counts; an unfinished one is marked interrupted', async () => {
      const killed = await startRun(db, 'load', 'gone:1');
      await assert.rejects(
        runDwJob(o('load'), async (t) => {
          t.rows = 5;
          t.batches = 1;
          throw new Error('the datamart went away');
        }),
        /went away/,
      );
      const runs = await listRuns(db, 'load', 3);
      assert.equal(runs[0]!.outcome, 'failed');
      assert.equal(runs[0]!.error, 'the datamart went away');
      assert.equal(runs[0]!.rows, 5);
      const was = runs.find((r) => r.id === killed)!;
      assert.equal(was.outcome, 'interrupted');
    });
  });
}
