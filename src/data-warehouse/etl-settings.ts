/** The Transform, Load, MPSync and Maintenance jobs' settings: config.json's `parts["data-warehouse"].jobs` over these defaults. */
import type { DataWarehouseConfig } from '../config/data-warehouse-config.js';

export const DEFAULT_RETENTION_DAYS = 1095;

/**
 * Changes (transform) or versions (load) per batch, each batch one transaction.
 * 2000, not 500: `npm run bench:dw` at 20k work items (120k changes) took
 * 33.2 s for extract, transform and load at 500, 19.7 s at 2000 and 17.4 s at
 * 5000 (one run each, 2026-11-30, load ~2-5 from a test run beside it; on a
 * quiet machine earlier 500 took 22.0 s and 5000 16.1 s), with the load job's
 * peak RSS 224, 285 and 311 MB: most of the gain, for less memory than 5000.
 */
export const DEFAULT_BATCH_SIZE = 2000;

export interface EtlSettings {
  chain: boolean;
  transformIntervalMs: number;
  loadIntervalMs: number;
  mpsyncIntervalMs: number;
  maintenanceIntervalMs: number;
  batchSize: number;
  retentionDays: number;
}

export function etlSettings(config: DataWarehouseConfig): EtlSettings {
  const j = config.jobs ?? {};
  return {
    chain: j.chain ?? true,
    transformIntervalMs: (j.transformIntervalSeconds ?? 1800) * 1000,
    loadIntervalMs: (j.loadIntervalSeconds ?? 3600) * 1000,
    mpsyncIntervalMs: (j.mpsyncIntervalSeconds ?? 3600) * 1000,
    maintenanceIntervalMs: (j.maintenanceIntervalSeconds ?? 86_400) * 1000,
    batchSize: j.batchSize ?? DEFAULT_BATCH_SIZE,
    retentionDays: j.retentionDays ?? DEFAULT_RETENTION_DAYS,
  };
}
