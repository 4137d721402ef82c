/**
 * The management server's SLA workflow gives incidents resolved without a
 * target their target after the fact (one feed change each), in batches,
 * once `smgr serve` runs. The fill writes those targets itself (fill.ts);
 * the benchmark still waits until the workflow has nothing left, so every
 * run extracts the same feed (a run that raced the workflow extracted part
 * of it).
 */
import { openDatabase } from '../../src/db/open-database.js';

const PENDING = `SELECT count(*)::int AS n FROM work_items
  WHERE class = 'incident' AND status IN ('resolved', 'closed') AND priority BETWEEN 1 AND 4
    AND resolve_by IS NULL AND breached_at IS NULL`;

/** Resolves with the seconds waited once no such incident is left; rejects after `deadlineS`. */
export async function slaSettled(smUrl: string, deadlineS = 1800): Promise<number> {
  const db = await openDatabase(smUrl);
  const t0 = performance.now();
  try {
    for (;;) {
      const r = await db.query<{ n: number }>(PENDING);
      if (r.rows[0]!.n === 0) return (performance.now() - t0) / 1000;
      if (performance.now() - t0 > deadlineS * 1000)
        throw new Error(
          `the SLA workflow left ${r.rows[0]!.n} incidents without a target after ${deadlineS} s`,
        );
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    await db.close();
  }
}
