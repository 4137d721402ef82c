/**
 * drill-child: "is the data warehouse recoverable now" (issue 13 item 5),
 * from the DW's own evidence in DWStagingAndConfig: its key's backup (the
 * key record there), the newest verified archive against
 * `backups.rpoMinutes`, the last restore drill of its archives (passed, and
 * its measured RTO within `backups.rtoMinutes`), and the last scheduled
 * backup run. The same reasons and remedies as the management server's
 * (readiness.ts), shown in the DW's `smgr status` and `smgr doctor`.
 * Read-only; a DWStagingAndConfig before v6 has no readiness yet.
 */
import type { DataWarehouseConfig } from '../config/data-warehouse-config.js';
import type { Queryable } from '../db/database.js';
import type { Readiness, ScheduledRunRecord } from '../recovery/readiness.js';
import { readinessOf } from '../recovery/readiness-report.js';

export function dwReadinessOf(
  staging: Queryable,
  config: DataWarehouseConfig,
): Promise<Readiness | undefined> {
  return readinessOf(staging, config, { packs: false, lastRun: dwLastRun });
}

async function dwLastRun(db: Queryable): Promise<ScheduledRunRecord | null> {
  const r = await db.query<{
    slot: Date;
    runner: string;
    outcome: ScheduledRunRecord['outcome'];
    archive: string | null;
    error: string | null;
    finished_at: Date | null;
  }>('SELECT slot, runner, outcome, archive, error, finished_at FROM backup_runs ORDER BY slot DESC LIMIT 1');
  const x = r.rows[0];
  return x
    ? {
        slot: x.slot.toISOString(),
        holder: x.runner,
        outcome: x.outcome,
        archive: x.archive,
        error: x.error,
        finishedAt: x.finished_at?.toISOString() ?? null,
      }
    : null;
}
