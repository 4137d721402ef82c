/**
 * The Transform and Load jobs' watermarks: a `watermarks` table in the
 * database each job writes (DWRepository for transform, DWDataMart for
 * load), so a batch and its watermark commit in one transaction. A missing
 * row means "from the beginning".
 */
import type { Queryable } from '../db/database.js';

export async function readRepoWatermark(db: Queryable, job: string): Promise<string | null> {
  const r = await db.query<{ position: string }>('SELECT position FROM watermarks WHERE job = $1', [job]);
  return r.rows[0]?.position ?? null;
}

export async function writeRepoWatermark(db: Queryable, job: string, position: string): Promise<void> {
  await db.query(
    `INSERT INTO watermarks (job, position, updated_at) VALUES ($1, $2, now())
     ON CONFLICT (job) DO UPDATE SET position = $2, updated_at = now()`,
    [job, position],
  );
}

/** Every watermark of the database, by job. */
export async function listWatermarks(db: Queryable): Promise<Record<string, string>> {
  const r = await db.query<{ job: string; position: string }>(
    'SELECT job, position FROM watermarks ORDER BY job',
  );
  return Object.fromEntries(r.rows.map((x) => [x.job, x.position]));
}
