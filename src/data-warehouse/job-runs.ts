/**
 * The history of every DW job run in DWStagingAndConfig (job_runs): started
 * (its own committed row, so a run killed half-way is still in the history),
 * then finished with its outcome, rows, batches, the watermark reached and
 * its error. A run left unfinished by a crash is marked `interrupted` by the
 * next run of the same job. Read by status, doctor and GET /api/v1/dw/jobs.
 */
import type { Queryable } from '../db/database.js';

export interface JobRun {
  id: number;
  job: string;
  runner: string;
  startedAt: string;
  finishedAt: string | null;
  outcome: 'ok' | 'failed' | 'interrupted' | null;
  rows: number;
  batches: number;
  watermark: string | null;
  error: string | null;
}

interface JobRunRow extends Record<string, unknown> {
  id: string;
  job: string;
  runner: string;
  started_at: Date;
  finished_at: Date | null;
  outcome: JobRun['outcome'];
  rows: number;
  batches: number;
  watermark: string | null;
  error: string | null;
}

const fromRow = (r: JobRunRow): JobRun => ({
  id: Number(r.id),
  job: r.job,
  runner: r.runner,
  startedAt: r.started_at.toISOString(),
  finishedAt: r.finished_at?.toISOString() ?? null,
  outcome: r.outcome,
  rows: r.rows,
  batches: r.batches,
  watermark: r.watermark,
  error: r.error,
});

/** Marks runs of `job` that no live runner finishes as interrupted (called under the job's lock). */
export async function markInterrupted(db: Queryable, job: string): Promise<void> {
  await db.query(
    `UPDATE job_runs SET finished_at = clock_timestamp(), outcome = 'interrupted',
       error = 'the run ended without finishing (process killed or stopped)'
     WHERE job = $1 AND finished_at IS NULL`,
    [job],
  );
}

export async function startRun(db: Queryable, job: string, runner: string): Promise<number> {
  const r = await db.query<{ id: string }>(
    'INSERT INTO job_runs (job, runner) VALUES ($1, $2) RETURNING id',
    [job, runner],
  );
  return Number(r.rows[0]!.id);
}

export async function finishRun(
  db: Queryable,
  id: number,
  o: { outcome: 'ok' | 'failed'; rows: number; batches: number; watermark: string | null; error?: string },
): Promise<void> {
  await db.query(
    `UPDATE job_runs SET finished_at = clock_timestamp(), outcome = $2, rows = $3, batches = $4,
       watermark = $5, error = $6 WHERE id = $1`,
    [id, o.outcome, o.rows, o.batches, o.watermark, o.error ?? null],
  );
}

export async function listRuns(db: Queryable, job?: string, limit = 50): Promise<JobRun[]> {
  const r = await db.query<JobRunRow>(
    `SELECT id, job, runner, started_at, finished_at, outcome, rows, batches, watermark, error
       FROM job_runs WHERE ($1::text IS NULL OR job = $1) ORDER BY id DESC LIMIT $2`,
    [job ?? null, limit],
  );
  return r.rows.map(fromRow);
}

export async function lastSuccess(db: Queryable, job: string): Promise<JobRun | undefined> {
  const r = await db.query<JobRunRow>(
    `SELECT id, job, runner, started_at, finished_at, outcome, rows, batches, watermark, error
       FROM job_runs WHERE job = $1 AND outcome = 'ok' ORDER BY id DESC LIMIT 1`,
    [job],
  );
  return r.rows[0] ? fromRow(r.rows[0]) : undefined;
}

export async function readWatermark(
  db: Queryable,
  job: string,
): Promise<{ position: string; sourceGroupId: string; updatedAt: Date } | undefined> {
  const r = await db.query<{ position: string; source_group_id: string; updated_at: Date }>(
    'SELECT position, source_group_id, updated_at FROM watermarks WHERE job = $1',
    [job],
  );
  const row = r.rows[0];
  return row
    ? { position: row.position, sourceGroupId: row.source_group_id, updatedAt: row.updated_at }
    : undefined;
}
