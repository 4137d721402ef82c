/**
 * `smgr dw run JOB` (extract, mpsync, transform, load, maintenance, all):
 * in the running server (the admin channel hands it the server's opened
 * part) the job joins the server's runner queue, so it never overlaps
 * another job of that server; without a server running from this home the
 * jobs run here: one after the other on an embedded database, and with
 * Extract, Transform and Load overlapped on a PostgreSQL server
 * (dw-run-overlapped.ts). Answers each run's result.
 */
import type { Progress } from '../backup/progress.js';
import { unlockKey } from '../keys/unlock-key.js';
import type { OpenedDataWarehouse } from './data-warehouse-part.js';
import { requireDwGroup } from './dw-group.js';
import type { JobResult } from './dw-job-run.js';
import { ALL_ORDER, parseRunnable, runJob } from './dw-jobs.js';
import { runAllOverlapped } from './dw-run-overlapped.js';
import { dwRuntimeOf } from './dw-serve.js';

export async function runDwJobsNow(
  dw: OpenedDataWarehouse,
  name: string,
  progress: Progress,
): Promise<JobResult[]> {
  const job = parseRunnable(name);
  const runtime = dwRuntimeOf(dw);
  if (runtime) return runtime.runNow(job);
  const group = await requireDwGroup(dw.staging);
  const sealer = await unlockKey(dw.staging, dw.storage, dw.config.keyId, group.name);
  const deps = { dw, dwName: group.name, runner: `${dw.computerName}:${process.pid}`, sealer };
  if (job === 'all' && !dw.staging.singleProcess) return runAllOverlapped(deps, progress);
  const results: JobResult[] = [];
  for (const j of job === 'all' ? ALL_ORDER : [job]) results.push(await runJob(deps, j, progress));
  return results;
}
