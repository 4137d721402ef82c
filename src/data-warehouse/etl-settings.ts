/** The Transform, Load, MPSync and Maintenance jobs' settings: config.json's `parts["data-warehouse"].jobs` over these defaults. */
import type { DataWarehouseConfig } from '../config/data-warehouse-config.js';

export const DEFAULT_RETENTION_DAYS = 1095;

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
    batchSize: j.batchSize ?? 500,
    retentionDays: j.retentionDays ?? DEFAULT_RETENTION_DAYS,
  };
}
