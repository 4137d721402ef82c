/**
 * What a workflow is to the scheduler: a name, an interval, and a run that
 * writes only through `ctx.fenced` (so the database refuses its writes once
 * this server has lost the lease) and keeps its progress in `ctx.counts`.
 * A run must be idempotent and resumable: it may be cut off after any
 * fenced transaction, and the next run (on this server or another) simply
 * carries on from what the database holds.
 */
import type { Database, Transaction } from '../../db/database.js';
import type { Tenure } from '../../management-group/workflow-lease.js';

export interface WorkflowContext {
  /** Reads only; every write goes through fenced(). */
  db: Database;
  tenure: Tenure;
  fenced<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Set when the server stops: end at the next batch boundary. */
  signal: AbortSignal;
  /** Progress of this run (recorded in workflow_runs.counts, also when it fails). */
  counts: Record<string, number>;
}

export interface Workflow {
  name: string;
  intervalMs: number;
  run(ctx: WorkflowContext): Promise<void>;
}

export const add = (counts: Record<string, number>, key: string, n: number): void => {
  counts[key] = (counts[key] ?? 0) + n;
};
