/** The extract job's settings: config.json's `parts["data-warehouse"].extract` over these defaults. */
import type { DataWarehouseConfig } from '../config/data-warehouse-config.js';

export const DEFAULT_EXTRACT_INTERVAL_S = 300;
export const DEFAULT_EXTRACT_BATCH = 500;

export interface ExtractSettings {
  intervalMs: number;
  batchSize: number;
}

export function extractSettings(config: DataWarehouseConfig): ExtractSettings {
  return {
    intervalMs: (config.extract?.intervalSeconds ?? DEFAULT_EXTRACT_INTERVAL_S) * 1000,
    batchSize: config.extract?.batchSize ?? DEFAULT_EXTRACT_BATCH,
  };
}
