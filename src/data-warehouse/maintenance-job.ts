/**
 * The Maintenance job (docs/DATA-WAREHOUSE.md §5): removes the data mart's
 * facts whose retention date is before today minus the retention period
 * (default 3 years); dimensions, the repository and staging are never
 * touched. Each batch of deletions is its own transaction; a kill leaves
 * whole batches done and the rest for the next run, which finds the same
 * rows by the same rule (idempotent: a second run deletes nothing).
 */
import type { Progress } from '../backup/progress.js';
import { reportStep } from '../backup/progress.js';
import type { Database } from '../db/database.js';
import type { JobTally } from './dw-job-run.js';
import { retentionCutoffKey } from './load-job.js';

/** Each fact table and the date key its retention is counted from (null: still open, kept). */
export const FACT_RETENTION: ReadonlyArray<{ table: string; key: string }> = [
  { table: 'work_item_created_fact', key: 'date_key' },
  { table: 'work_item_resolved_fact', key: 'date_key' },
  { table: 'work_item_status_fact', key: 'end_date_key' },
  { table: 'work_item_assigned_to_fact', key: 'end_date_key' },
  { table: 'work_item_affected_user_fact', key: 'end_date_key' },
  { table: 'work_item_config_item_fact', key: 'end_date_key' },
  { table: 'work_item_sla_fact', key: 'date_key' },
];

export interface MaintenanceOptions {
  datamart: Database;
  retentionDays: number;
  batchSize: number;
  progress: Progress;
  now?: Date;
}

export async function maintainDataMart(o: MaintenanceOptions, tally: JobTally): Promise<void> {
  const cutoff = retentionCutoffKey(o.now ?? new Date(), o.retentionDays);
  for (const { table, key } of FACT_RETENTION) {
    for (;;) {
      const n = await o.datamart.transaction(
        async (tx) =>
          (
            await tx.query(
              `DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE ${key} < $1 LIMIT $2)`,
              [cutoff, o.batchSize],
            )
          ).rowCount,
      );
      if (n === 0) break;
      tally.rows += n;
      tally.batches += 1;
      reportStep(o.progress, `maintenance: ${n} rows of ${table} older than ${cutoff} removed`);
      if (n < o.batchSize) break;
    }
  }
  tally.watermark = String(cutoff);
}
