/**
 * The DW server's job runner: two lanes, each a queue whose jobs never
 * overlap (a job asked for while another of its lane runs waits its turn):
 * Extract alone in one, so a long transform or load never delays the
 * extract schedule (Extract only appends whole batches to staging in
 * position order, so Transform always reads a prefix of it); MPSync,
 * Transform, Load and Maintenance in the other. Each job on its own
 * schedule, and chaining: an extract that moved rows is followed by
 * transform then load (jobs.chain, default true; not queued twice while a
 * chained pair waits), so the data mart is seconds behind the management
 * server. Runs asked for on demand (`smgr dw run` through the admin
 * channel) join the same lanes. A failed run is in job_runs with its error
 * and logged; the schedule goes on. stop() waits for the runs in progress
 * and drops the queued ones.
 */
import type { Logger } from 'pino';
import { silentProgress } from '../backup/progress.js';
import { SmgrError } from '../errors/smgr-error.js';
import type { DwJobName, JobResult } from './dw-job-run.js';
import { ALL_ORDER, type DwJobDeps, type DwRunnable, runJob } from './dw-jobs.js';
import { etlSettings } from './etl-settings.js';
import { extractSettings } from './extract-settings.js';

const QUIET = new Set(['DW_NOT_REGISTERED', 'DW_JOB_RUNNING', 'DW_EXTRACT_RUNNING']);

export class DwJobRunner {
  private readonly tails: Record<'extract' | 'etl', Promise<unknown>> = {
    extract: Promise.resolve(),
    etl: Promise.resolve(),
  };
  private chainQueued = false;
  private stopping = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly deps: DwJobDeps,
    private readonly logger: Logger,
  ) {}

  /** Queues `job` (or every job, for `all`); resolves to the results of the runs it asked for. */
  run(job: DwRunnable, why: string): Promise<JobResult[]> {
    const jobs = job === 'all' ? ALL_ORDER : [job];
    const results: JobResult[] = [];
    const done = jobs.reduce<Promise<unknown>>(
      (p, j) =>
        p.then(async () => {
          results.push(await this.enqueue(j, why));
        }),
      Promise.resolve(),
    );
    return done.then(() => results);
  }

  private enqueue(job: DwJobName, why: string): Promise<JobResult> {
    if (this.stopping) return Promise.reject(new SmgrError('DW_JOB_RUNNING', { job, dw: this.deps.dwName }));
    const lane = job === 'extract' ? 'extract' : 'etl';
    const run = this.tails[lane].then(() => this.exec(job, why));
    this.tails[lane] = run.catch(() => {});
    return run;
  }

  private async exec(job: DwJobName, why: string): Promise<JobResult> {
    if (this.stopping) throw new SmgrError('DW_JOB_RUNNING', { job, dw: this.deps.dwName });
    if (why === 'after extract' && job === 'transform') this.chainQueued = false;
    const r = await runJob(this.deps, job, silentProgress);
    this.logger.info(
      { job, why, rows: r.rows, batches: r.batches, watermark: r.watermark },
      `${job} finished`,
    );
    const chain = etlSettings(this.deps.dw.config).chain;
    if (job === 'extract' && r.rows > 0 && chain && !this.stopping && !this.chainQueued) {
      this.chainQueued = true;
      for (const next of ['transform', 'load'] as const)
        this.enqueue(next, 'after extract').catch(this.warn(next));
    }
    return r;
  }

  private warn(job: string) {
    return (e: Error) => {
      if (e instanceof SmgrError && QUIET.has(e.code)) return;
      this.logger.warn({ err: { message: e.message }, job }, `${job} failed`);
    };
  }

  /** Each job on its schedule; MPSync once now (the lists Transform and Load resolve values with). */
  start(): void {
    const s = etlSettings(this.deps.dw.config);
    const every: Record<DwJobName, number> = {
      extract: extractSettings(this.deps.dw.config).intervalMs,
      mpsync: s.mpsyncIntervalMs,
      transform: s.transformIntervalMs,
      load: s.loadIntervalMs,
      maintenance: s.maintenanceIntervalMs,
    };
    const schedule = (job: DwJobName, ms: number) => {
      if (this.stopping) return;
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.enqueue(job, 'schedule')
          .catch(this.warn(job))
          .finally(() => schedule(job, every[job]));
      }, ms);
      t.unref();
      this.timers.add(t);
    };
    this.enqueue('mpsync', 'start').catch(this.warn('mpsync'));
    for (const job of ALL_ORDER) schedule(job, every[job]);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all([this.tails.extract, this.tails.etl]);
  }
}
