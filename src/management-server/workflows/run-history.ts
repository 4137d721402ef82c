/**
 * The workflow history (workflow_runs): one row per run, numbered per
 * workflow (seq, unique), with the holder and fencing token that ran it,
 * start and end by the database clock, outcome and counts.
 *
 * Guarantees: startRun and finishRun are called inside fenced transactions,
 * so only the current lease holder writes here. startRun decides "due" in
 * the same transaction (no run twice for one interval), and first marks any
 * unfinished run of that workflow `interrupted` (its server crashed or lost
 * the lease): runs of one workflow never overlap, and their tokens never
 * decrease along seq.
 *
 * Crash: a run that never finished stays without outcome until the next run
 * of that workflow (on whichever server holds the lease) marks it interrupted
 * and starts at once.
 */
import type { Queryable } from '../../db/database.js';
import type { Tenure } from '../../management-group/workflow-lease.js';

export type RunOutcome = 'ok' | 'failed' | 'interrupted';

export interface StartedRun {
  id: number;
  workflow: string;
  seq: number;
}

const DUE = `(last.seq IS NULL OR last.finished_at IS NULL
  OR last.finished_at + make_interval(secs => $2::float8 / 1000) <= clock_timestamp())`;

/** The workflows due now (a read-only first look; startRun decides again). */
export async function dueWorkflows(
  db: Queryable,
  workflows: ReadonlyArray<{ name: string; intervalMs: number }>,
): Promise<string[]> {
  const due: string[] = [];
  for (const w of workflows) {
    const r = await db.query<{ due: boolean }>(
      `SELECT ${DUE} AS due FROM (SELECT 1) one LEFT JOIN LATERAL (
         SELECT seq, finished_at FROM workflow_runs WHERE workflow = $1 ORDER BY seq DESC LIMIT 1) last ON true`,
      [w.name, w.intervalMs],
    );
    if (r.rows[0]?.due) due.push(w.name);
  }
  return due;
}

/** In a fenced transaction: starts a run of `workflow` if it is due; undefined if not. */
export async function startRun(
  tx: Queryable,
  workflow: string,
  intervalMs: number,
  tenure: Tenure,
): Promise<StartedRun | undefined> {
  const last = await tx.query<{ seq: number | null; due: boolean }>(
    `SELECT last.seq, ${DUE} AS due FROM (SELECT 1) one LEFT JOIN LATERAL (
       SELECT seq, finished_at FROM workflow_runs WHERE workflow = $1 ORDER BY seq DESC LIMIT 1 FOR UPDATE) last
       ON true`,
    [workflow, intervalMs],
  );
  if (!last.rows[0]?.due) return undefined;
  await tx.query(
    `UPDATE workflow_runs SET finished_at = clock_timestamp(), outcome = 'interrupted',
            error = 'its server stopped or lost the workflow lease before the run finished'
      WHERE workflow = $1 AND finished_at IS NULL`,
    [workflow],
  );
  const r = await tx.query<{ id: number; seq: number }>(
    `INSERT INTO workflow_runs (workflow, seq, holder, token) VALUES ($1, $2, $3, $4) RETURNING id, seq`,
    [workflow, (last.rows[0].seq ?? 0) + 1, tenure.holder, tenure.token],
  );
  return { id: r.rows[0]!.id, workflow, seq: r.rows[0]!.seq };
}

/** In a fenced transaction: records how the run ended. */
export async function finishRun(
  tx: Queryable,
  run: StartedRun,
  outcome: RunOutcome,
  counts: Record<string, number>,
  error: string | null = null,
): Promise<void> {
  await tx.query(
    `UPDATE workflow_runs SET finished_at = clock_timestamp(), outcome = $2, counts = $3, error = $4
      WHERE id = $1 AND finished_at IS NULL`,
    [run.id, outcome, JSON.stringify(counts), error],
  );
}

export interface WorkflowRunSummary {
  workflow: string;
  runs: number;
  failed: number;
  interrupted: number;
  last: {
    seq: number;
    holder: string;
    token: number;
    startedAt: string;
    finishedAt: string | null;
    outcome: RunOutcome | null;
    counts: Record<string, number>;
  } | null;
}

/** Per workflow: how many runs, how many failed or were interrupted, and the last one. */
export async function summarizeRuns(db: Queryable): Promise<WorkflowRunSummary[]> {
  const r = await db.query<{
    workflow: string;
    runs: number;
    failed: number;
    interrupted: number;
    seq: number;
    holder: string;
    token: number;
    started_at: Date;
    finished_at: Date | null;
    outcome: RunOutcome | null;
    counts: Record<string, number>;
  }>(
    `SELECT s.workflow, s.runs, s.failed, s.interrupted,
            l.seq, l.holder, l.token, l.started_at, l.finished_at, l.outcome, l.counts
       FROM (SELECT workflow, count(*)::int AS runs,
                    count(*) FILTER (WHERE outcome = 'failed')::int AS failed,
                    count(*) FILTER (WHERE outcome = 'interrupted')::int AS interrupted,
                    max(seq) AS last_seq
               FROM workflow_runs GROUP BY workflow) s
       JOIN workflow_runs l ON l.workflow = s.workflow AND l.seq = s.last_seq
      ORDER BY s.workflow`,
  );
  return r.rows.map((x) => ({
    workflow: x.workflow,
    runs: x.runs,
    failed: x.failed,
    interrupted: x.interrupted,
    last: {
      seq: x.seq,
      holder: x.holder,
      token: x.token,
      startedAt: x.started_at.toISOString(),
      finishedAt: x.finished_at?.toISOString() ?? null,
      outcome: x.outcome,
      counts: x.counts,
    },
  }));
}
