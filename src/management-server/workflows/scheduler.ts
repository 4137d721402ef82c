/**
 * The workflow scheduler of a management server: every tick, if this server
 * holds a claimed lease tenure, it runs the workflows that are due, one after
 * another, each recorded in the workflow history (run-history.ts) and each
 * write fenced by the tenure's token (fence.ts).
 *
 * Guarantees: a server without the lease starts no run; a server that loses
 * the lease mid-run has its next write refused by the database and stops
 * (the run stays unfinished until the next holder marks it interrupted).
 * stop() lets the current batch finish, ends the run as `failed` with
 * "stopped" if it was cut short, and resolves when nothing runs.
 *
 * Crash: whatever the last fenced transaction committed stays; the run is
 * marked interrupted and resumed by the next run on the lease holder.
 */
import type { Logger } from 'pino';
import type { Database } from '../../db/database.js';
import { isSmgrError } from '../../errors/smgr-error.js';
import { fenced, isLeaseLost } from '../../management-group/fence.js';
import type { Tenure } from '../../management-group/workflow-lease.js';
import { dueWorkflows, finishRun, type StartedRun, startRun } from './run-history.js';
import type { Workflow, WorkflowContext } from './workflow.js';

export interface SchedulerOptions {
  db: Database;
  /** The tenure this server holds now, if any (the lease keeper). */
  tenure: () => Tenure | undefined;
  workflows: readonly Workflow[];
  tickMs: number;
  fenceIdleMs: number;
  logger: Logger;
}

export class WorkflowScheduler {
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> = Promise.resolve();
  private readonly log: Logger;

  constructor(private readonly o: SchedulerOptions) {
    this.log = o.logger.child({ component: 'workflows' });
  }

  start(): void {
    const loop = () => {
      if (this.abort.signal.aborted) return;
      this.current = this.runDue().finally(() => {
        if (!this.abort.signal.aborted) this.timer = setTimeout(loop, this.o.tickMs);
      });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    clearTimeout(this.timer);
    await this.current;
  }

  /** One tick: runs every due workflow once, if this server holds the lease (tests call it directly). */
  async runDue(): Promise<void> {
    const tenure = this.o.tenure();
    if (!tenure) return;
    let due: string[];
    try {
      due = await dueWorkflows(this.o.db, this.o.workflows);
    } catch (e) {
      this.log.warn({ reason: reason(e) }, 'could not read the workflow history');
      return;
    }
    for (const w of this.o.workflows) {
      if (!due.includes(w.name)) continue;
      if (this.abort.signal.aborted || this.o.tenure() !== tenure) return;
      await this.runOne(w, tenure);
    }
  }

  private async runOne(w: Workflow, tenure: Tenure): Promise<void> {
    const ctx: WorkflowContext = {
      db: this.o.db,
      tenure,
      fenced: (fn) => fenced(this.o.db, tenure, this.o.fenceIdleMs, fn),
      signal: this.abort.signal,
      counts: {},
    };
    let run: StartedRun | undefined;
    try {
      run = await ctx.fenced((tx) => startRun(tx, w.name, w.intervalMs, tenure));
    } catch (e) {
      if (!isLeaseLost(e))
        this.log.warn({ workflow: w.name, reason: reason(e) }, 'could not start a workflow run');
      return;
    }
    if (!run) return;
    const at = { workflow: w.name, seq: run.seq, token: tenure.token };
    try {
      await w.run(ctx);
      const outcome = this.abort.signal.aborted ? 'stopped' : null;
      await ctx.fenced((tx) => finishRun(tx, run, outcome ? 'failed' : 'ok', ctx.counts, outcome));
      const did = Object.values(ctx.counts).some((n) => n > 0);
      this.log[did || outcome ? 'info' : 'debug'](
        { ...at, outcome: outcome ? 'failed' : 'ok', counts: ctx.counts },
        'workflow run finished',
      );
    } catch (e) {
      if (isLeaseLost(e)) {
        this.log.warn(at, 'workflow run cut off: this server no longer holds the workflow lease');
        return;
      }
      this.log.warn({ ...at, reason: reason(e), counts: ctx.counts }, 'workflow run failed');
      await ctx.fenced((tx) => finishRun(tx, run, 'failed', ctx.counts, reason(e))).catch(() => {});
    }
  }
}

/** A short, secret-free reason: an error code, never a message that could carry data. */
function reason(e: unknown): string {
  if (isSmgrError(e)) return e.code;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return `database error ${code}`;
  if (typeof code === 'string') return code;
  return (e as Error)?.name ?? 'error';
}
