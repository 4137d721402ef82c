/**
 * The batch loop Transform and Load share: the next batch is read and
 * prepared while one is written, and written only after that one committed
 * (two batches in memory at most). A failed write discards the batch read
 * ahead (awaited first, so no read outlives the job's databases).
 */
import type { Queryable } from '../db/database.js';
import type { JobTally } from './dw-job-run.js';

export type Writer = (tx: Queryable) => Promise<void>;

/** One batch read and prepared, ready to be written after `wm`. */
export interface PlannedBatch {
  wm: string | null;
  next: string;
  rows: number;
  /** Whether the batch was as large as asked for (else it was the last there is). */
  full: boolean;
  write: Writer;
}

export interface ReadAheadLoop<B extends PlannedBatch> {
  /** Reads and prepares the batch after `wm`; undefined when there is none. */
  plan: (wm: string | null) => Promise<B | undefined>;
  /** Writes a batch and the watermark after it, in one transaction. */
  commit: (batch: B) => Promise<void>;
  /** Stops after this many batches in all (tests); default no limit. */
  maxBatches?: number;
  onCommit?: () => void;
}

/** Runs batches from `wm` until none is left (or maxBatches), counting them in `tally`. */
export async function commitReadingAhead<B extends PlannedBatch>(
  wm: string | null,
  loop: ReadAheadLoop<B>,
  tally: JobTally,
): Promise<void> {
  const { maxBatches } = loop;
  let batch = await loop.plan(wm);
  while (batch) {
    const more = batch.full && (maxBatches === undefined || tally.batches + 1 < maxBatches);
    const ahead = more ? loop.plan(batch.next) : Promise.resolve(undefined);
    try {
      await loop.commit(batch);
    } catch (e) {
      await ahead.catch(() => undefined);
      throw e;
    }
    tally.rows += batch.rows;
    tally.batches += 1;
    tally.watermark = batch.next;
    loop.onCommit?.();
    batch = await ahead;
  }
}
