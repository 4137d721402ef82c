/**
 * The Extract job: pulls the management server's change feed
 * (GET /api/v1/changes) into the staging tables of DWStagingAndConfig.
 *
 * Guarantees: each batch's rows and the watermark that follows them are
 * written in ONE transaction, after the batch was fetched; the feed's
 * cursor is commit-safe (it never passes a change that commits later), so a
 * kill at any point — before the fetch, mid-batch, before the commit —
 * leaves the watermark at the last committed batch and the next run
 * continues from there: no gap, no duplicate (the staging tables are keyed
 * by the change's position besides). The next page is fetched while one
 * is written, and written only after it; that read passes the committed
 * watermark as `held`, so the management server's grooming never passes
 * what this DW has not committed. One runner at a time: within a
 * process a run in progress refuses another (DW_EXTRACT_RUNNING); across
 * processes on a server database the advisory lock dwExtract, held for the
 * run; an embedded database is single-process already. Every run is in
 * job_runs (started, then finished ok/failed; a killed one is marked
 * interrupted by the next run).
 */
import type { Progress } from '../backup/progress.js';
import { reportStep } from '../backup/progress.js';
import type { Database, Queryable } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import type { SourceGroup } from './dw-source.js';
import { finishRun, markInterrupted, readWatermark, startRun } from './job-runs.js';
import type { SourceSession } from './source-client.js';

export const EXTRACT_JOB = 'extract';

/** One change of GET /api/v1/changes. */
export interface FeedChange {
  position: string;
  kind: 'work-item' | 'work-item-history' | 'config-item' | 'user';
  op: 'insert' | 'update' | 'delete';
  id: number;
  at: string;
  data: Record<string, unknown>;
}

export interface FeedPage {
  changes: FeedChange[];
  next: string | null;
  more: boolean;
}

export interface ExtractResult {
  runId: number;
  rows: number;
  batches: number;
  watermark: string | null;
}

const STAGING_TABLE: Record<FeedChange['kind'], string> = {
  'work-item': 'staging_work_items',
  'work-item-history': 'staging_work_item_history',
  'config-item': 'staging_config_items',
  user: 'staging_users',
};

const running = new WeakSet<Database>();

export interface ExtractOptions {
  staging: Database;
  dwName: string;
  source: SourceGroup;
  /** Opens a signed-in session with the DW's credential; signed out after the run. */
  connect: () => Promise<SourceSession>;
  runner: string;
  batchSize: number;
  progress: Progress;
  /** Called after each committed batch (`dw run all` wakes Transform with it: dw-run-overlapped.ts). */
  onCommit?: () => void;
}

export async function runExtract(o: ExtractOptions): Promise<ExtractResult> {
  if (running.has(o.staging)) throw new SmgrError('DW_EXTRACT_RUNNING', { dw: o.dwName });
  running.add(o.staging);
  try {
    if (o.staging.singleProcess) return await extractRun(o);
    return await o.staging.transaction(async (lock) => {
      if (!(await lock.tryLock('dwExtract'))) throw new SmgrError('DW_EXTRACT_RUNNING', { dw: o.dwName });
      return extractRun(o);
    });
  } finally {
    running.delete(o.staging);
  }
}

async function extractRun(o: ExtractOptions): Promise<ExtractResult> {
  await markInterrupted(o.staging, EXTRACT_JOB);
  const runId = await startRun(o.staging, EXTRACT_JOB, o.runner);
  let rows = 0;
  let batches = 0;
  let watermark: string | null = null;
  try {
    const session = await o.connect();
    // `held`: what this DW has committed, which the management server may groom up to (only a page
    // read ahead of its commit passes it: a plain read's `after` is its committed watermark).
    const fetchPage = (after: string | null, held?: string) => {
      const q = `limit=${o.batchSize}${after ? `&after=${encodeURIComponent(after)}` : ''}${held ? `&held=${encodeURIComponent(held)}` : ''}`;
      return session.call<FeedPage>('GET', `/api/v1/changes?${q}`);
    };
    let ahead: Promise<FeedPage> | undefined;
    let readAhead = true;
    try {
      const wm = await readWatermark(o.staging, EXTRACT_JOB);
      watermark = wm && wm.sourceGroupId === o.source.id ? wm.position : null;
      reportStep(o.progress, `batch 1: fetching changes after ${watermark ?? 'the beginning'}`);
      let page = await fetchPage(watermark);
      for (;;) {
        if (page.changes.length === 0 || page.next === null) break;
        const following = page.next;
        const expected = watermark;
        // The next page is fetched while this one is written (its cursor is this page's `next`),
        // and used only once this one committed. Not before the first commit: with nothing
        // committed there is no position to hold.
        ahead = page.more && readAhead && expected !== null ? fetchPage(following, expected) : undefined;
        ahead?.catch(() => undefined);
        reportStep(o.progress, `batch ${batches + 1}: ${page.changes.length} changes fetched, writing`);
        await o.staging.transaction(async (tx) => {
          const now = await readWatermark(tx, EXTRACT_JOB);
          const current = now && now.sourceGroupId === o.source.id ? now.position : null;
          if (current !== expected) throw new SmgrError('DW_EXTRACT_RUNNING', { dw: o.dwName });
          await insertBatch(tx, page.changes, runId);
          reportStep(o.progress, `batch ${batches + 1}: committing watermark ${following}`);
          await tx.query(
            `INSERT INTO watermarks (job, position, source_group_id, updated_at) VALUES ($1, $2, $3, now())
             ON CONFLICT (job) DO UPDATE SET position = $2, source_group_id = $3, updated_at = now()`,
            [EXTRACT_JOB, following, o.source.id],
          );
        });
        rows += page.changes.length;
        batches += 1;
        watermark = following;
        o.onCommit?.();
        reportStep(o.progress, `batch ${batches}: committed, ${rows} changes so far`);
        if (!page.more) break;
        reportStep(o.progress, `batch ${batches + 1}: fetching changes after ${watermark}`);
        const early = ahead;
        ahead = undefined;
        // A page read ahead that failed (a management server without `held`, a dropped connection)
        // is fetched again the plain way, and this run reads ahead no more.
        page = early
          ? await early.catch(() => {
              readAhead = false;
              return fetchPage(watermark);
            })
          : await fetchPage(watermark);
      }
    } finally {
      await ahead?.catch(() => undefined);
      await session.signOut();
    }
    await finishRun(o.staging, runId, { outcome: 'ok', rows, batches, watermark });
    return { runId, rows, batches, watermark };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    await finishRun(o.staging, runId, { outcome: 'failed', rows, batches, watermark, error: message }).catch(
      () => {},
    );
    throw e;
  }
}

async function insertBatch(tx: Queryable, changes: readonly FeedChange[], runId: number): Promise<void> {
  for (const [kind, table] of Object.entries(STAGING_TABLE)) {
    const mine = changes
      .filter((c) => c.kind === kind)
      .map((c) => ({
        position: c.position,
        op: c.op,
        entity_id: c.id,
        changed_at: c.at,
        data: c.data,
        run_id: runId,
      }));
    if (mine.length === 0) continue;
    await tx.query(
      `INSERT INTO ${table} (position, op, entity_id, changed_at, data, run_id)
       SELECT position, op, entity_id, changed_at, data, run_id
         FROM jsonb_to_recordset($1::jsonb)
           AS x(position text, op text, entity_id bigint, changed_at timestamptz, data jsonb, run_id bigint)`,
      [JSON.stringify(mine)],
    );
  }
}
