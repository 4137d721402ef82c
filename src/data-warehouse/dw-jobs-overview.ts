/**
 * Every DW job's state as status and GET /api/v1/dw/jobs show it: its
 * watermarks (extract's in DWStagingAndConfig, transform's in DWRepository,
 * load's in DWDataMart), its last run, its last error (the newest run that
 * failed or was interrupted, if it is newer than the last success) and its
 * recent runs. Read-only.
 */
import type { Queryable } from '../db/database.js';
import { DW_JOBS, type DwJobName } from './dw-job-run.js';
import { listWatermarks } from './dw-watermarks.js';
import { type JobRun, listRuns, readWatermark } from './job-runs.js';

export interface JobOverview {
  job: DwJobName;
  watermark: string | null;
  watermarks: Record<string, string>;
  lastRun: JobRun | null;
  lastSuccessAt: string | null;
  lastError: { runId: number; at: string; outcome: string; error: string | null } | null;
  runs: JobRun[];
}

export async function jobsOverview(
  dbs: { staging: Queryable; repository?: Queryable; datamart?: Queryable },
  runsPerJob = 20,
): Promise<JobOverview[]> {
  const extract = await readWatermark(dbs.staging, 'extract');
  const repo = dbs.repository ? await listWatermarks(dbs.repository).catch(() => ({})) : {};
  const mart = dbs.datamart ? await listWatermarks(dbs.datamart).catch(() => ({})) : {};
  const out: JobOverview[] = [];
  for (const job of DW_JOBS) {
    const runs = await listRuns(dbs.staging, job, runsPerJob);
    const watermarks: Record<string, string> =
      job === 'extract'
        ? extract
          ? { extract: extract.position }
          : {}
        : job === 'transform'
          ? repo
          : job === 'load'
            ? mart
            : {};
    const lastOk = runs.find((r) => r.outcome === 'ok');
    const bad = runs.find((r) => r.outcome === 'failed' || r.outcome === 'interrupted');
    out.push({
      job,
      watermark: job === 'extract' ? (extract?.position ?? null) : null,
      watermarks,
      lastRun: runs[0] ?? null,
      lastSuccessAt: lastOk?.finishedAt ?? null,
      lastError:
        bad && (!lastOk || bad.id > lastOk.id)
          ? {
              runId: bad.id,
              at: bad.finishedAt ?? bad.startedAt,
              outcome: bad.outcome ?? '',
              error: bad.error,
            }
          : null,
      runs,
    });
  }
  return out;
}
