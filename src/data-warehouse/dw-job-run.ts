/**
 * One run of a DW job other than Extract (which has its own, older,
 * wrapper in extract-job.ts): refuses a second runner (in this process a
 * run in progress of the same job; across processes on a PostgreSQL server
 * the job's advisory lock in DWStagingAndConfig, held for the run), marks a
 * run of the job left unfinished by a crash as interrupted, records the run
 * in job_runs (started, then finished ok or failed with what it did so far
 * and its error). The job's own batches commit in their own transactions
 * with their watermarks; the run's row is history, not state.
 */
import type { AdvisoryLockName } from '../db/advisory-locks.js';
import type { Database } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { finishRun, markInterrupted, startRun } from './job-runs.js';

export type DwJobName = 'extract' | 'mpsync' | 'transform' | 'load' | 'maintenance';

export const DW_JOBS: readonly DwJobName[] = ['extract', 'mpsync', 'transform', 'load', 'maintenance'];

/** What a job did so far: updated as it commits, recorded even when it fails. */
export interface JobTally {
  rows: number;
  batches: number;
  watermark: string | null;
}

export interface JobResult extends JobTally {
  runId: number;
  job: DwJobName;
}

const LOCKS: Record<Exclude<DwJobName, 'extract'>, AdvisoryLockName> = {
  mpsync: 'dwMpsync',
  transform: 'dwTransform',
  load: 'dwLoad',
  maintenance: 'dwMaintenance',
};

const running = new WeakMap<Database, Set<DwJobName>>();

export interface JobRunOptions {
  staging: Database;
  job: Exclude<DwJobName, 'extract'>;
  dwName: string;
  runner: string;
}

export async function runDwJob(
  o: JobRunOptions,
  body: (tally: JobTally) => Promise<void>,
): Promise<JobResult> {
  const mine = running.get(o.staging) ?? new Set<DwJobName>();
  running.set(o.staging, mine);
  if (mine.has(o.job)) throw new SmgrError('DW_JOB_RUNNING', { job: o.job, dw: o.dwName });
  mine.add(o.job);
  try {
    if (o.staging.singleProcess) return await recorded(o, body);
    return await o.staging.transaction(async (lock) => {
      if (!(await lock.tryLock(LOCKS[o.job])))
        throw new SmgrError('DW_JOB_RUNNING', { job: o.job, dw: o.dwName });
      return recorded(o, body);
    });
  } finally {
    mine.delete(o.job);
  }
}

async function recorded(o: JobRunOptions, body: (tally: JobTally) => Promise<void>): Promise<JobResult> {
  await markInterrupted(o.staging, o.job);
  const runId = await startRun(o.staging, o.job, o.runner);
  const tally: JobTally = { rows: 0, batches: 0, watermark: null };
  try {
    await body(tally);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    await finishRun(o.staging, runId, { outcome: 'failed', ...tally, error: message }).catch(() => {});
    throw e;
  }
  await finishRun(o.staging, runId, { outcome: 'ok', ...tally });
  return { runId, job: o.job, ...tally };
}
