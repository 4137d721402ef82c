/**
 * Runs one DW job (or `all`: mpsync, extract, transform, load, maintenance)
 * on an opened DW: the wiring of each job module to the DW's databases,
 * settings, source group and credential. Used by the server's runner
 * (dw-job-runner.ts) and by `smgr dw run` in the CLI's own process. Every
 * job records its run (job_runs) and refuses a second runner
 * (DW_JOB_RUNNING / DW_EXTRACT_RUNNING).
 */
import { type Progress, reportStep } from '../backup/progress.js';
import { SmgrError } from '../errors/smgr-error.js';
import type { SecretSealer } from '../keys/secret-sealer.js';
import type { OpenedDataWarehouse } from './data-warehouse-part.js';
import { type DwJobName, type JobResult, runDwJob } from './dw-job-run.js';
import { openCredential, readSourceGroup } from './dw-source.js';
import { etlSettings } from './etl-settings.js';
import { runExtract } from './extract-job.js';
import { extractSettings } from './extract-settings.js';
import { loadAll } from './load-job.js';
import { maintainDataMart } from './maintenance-job.js';
import { fetchPacks, syncPacks } from './mpsync-job.js';
import { signInToSource } from './source-client.js';
import { transformAll } from './transform-job.js';
import { following, type Upstream } from './upstream.js';

export type DwRunnable = DwJobName | 'all';
export const ALL_ORDER: readonly DwJobName[] = ['mpsync', 'extract', 'transform', 'load', 'maintenance'];

export interface DwJobDeps {
  dw: OpenedDataWarehouse;
  dwName: string;
  runner: string;
  sealer: SecretSealer;
}

async function connect(d: DwJobDeps) {
  const source = await readSourceGroup(d.dw.staging);
  if (!source) throw new SmgrError('DW_NOT_REGISTERED', { dw: d.dwName });
  return {
    source,
    connect: () => signInToSource(source.url, source.username, openCredential(d.sealer, source)),
  };
}

/**
 * How a job of an overlapped `dw run all` is linked to the others
 * (dw-run-overlapped.ts): the job it follows (it runs again after each of
 * that job's commits until that job ended) and the one it feeds (told of
 * each of its commits).
 */
export interface JobLinks {
  follows?: Upstream;
  feeds?: Upstream;
}

export async function runJob(
  d: DwJobDeps,
  job: DwJobName,
  progress: Progress,
  links: JobLinks = {},
): Promise<JobResult> {
  const onCommit = links.feeds ? () => links.feeds!.commit() : undefined;
  const pass = (run: () => Promise<void>) => (links.follows ? following(links.follows, run) : run());
  const { dw } = d;
  const s = etlSettings(dw.config);
  const base = { staging: dw.staging, dwName: d.dwName, runner: d.runner };
  switch (job) {
    case 'extract': {
      const { source, connect: c } = await connect(d);
      const r = await runExtract({
        ...base,
        source,
        connect: c,
        batchSize: extractSettings(dw.config).batchSize,
        progress,
        onCommit,
      });
      return { job, ...r };
    }
    case 'mpsync': {
      const { connect: c } = await connect(d);
      return runDwJob({ ...base, job }, async (tally) => {
        const session = await c();
        try {
          reportStep(progress, 'mpsync: fetching the management packs');
          const packs = await fetchPacks(session);
          reportStep(progress, `mpsync: ${packs.length} packs fetched, writing`);
          await syncPacks(dw.staging, packs, tally);
        } finally {
          await session.signOut();
        }
      });
    }
    case 'transform':
      return runDwJob({ ...base, job }, (tally) =>
        pass(() =>
          transformAll(
            {
              staging: dw.staging,
              repository: dw.repository,
              dwName: d.dwName,
              batchSize: s.batchSize,
              progress,
              onCommit,
            },
            tally,
          ),
        ),
      );
    case 'load':
      return runDwJob({ ...base, job }, (tally) =>
        pass(() =>
          loadAll(
            {
              staging: dw.staging,
              repository: dw.repository,
              datamart: dw.datamart,
              dwName: d.dwName,
              batchSize: s.batchSize,
              retentionDays: s.retentionDays,
              progress,
            },
            tally,
          ),
        ),
      );
    case 'maintenance':
      return runDwJob({ ...base, job }, (tally) =>
        maintainDataMart(
          { datamart: dw.datamart, retentionDays: s.retentionDays, batchSize: s.batchSize, progress },
          tally,
        ),
      );
  }
}

export function parseRunnable(name: string): DwRunnable {
  if (name === 'all' || (ALL_ORDER as readonly string[]).includes(name)) return name as DwRunnable;
  throw new SmgrError('DW_JOB_UNKNOWN', { job: name.slice(0, 40) });
}
