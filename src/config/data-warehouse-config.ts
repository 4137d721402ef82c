/**
 * The data warehouse's entry in config.json (`parts["data-warehouse"]`):
 * its management group, its key id, its three databases, where its small
 * API listens, and the extract job's schedule. A leaf module: schemas only.
 * The source group it is registered with is not here: DWStagingAndConfig
 * holds it (so a restored database brings it back).
 */
import { type Static, Type } from 'typebox';
import { GroupRef, MetricsConfig, RetentionConfig, S3TargetConfig } from './management-server-config.js';

const strict = { additionalProperties: false } as const;

export const DEFAULT_DW_LISTEN = '127.0.0.1:8440';

/** dw-archive: scheduled backups of the DW's databases in its `smgr serve`, and what prune keeps. */
export const DwBackupsConfig = Type.Object(
  {
    /** Cron pattern (croner: 5 fields, or 6 with seconds first); no schedule means backups by hand only. */
    schedule: Type.Optional(Type.String({ minLength: 1 })),
    /** IANA time zone of the schedule (default: this computer's). */
    timezone: Type.Optional(Type.String({ minLength: 1 })),
    retention: Type.Optional(RetentionConfig),
    // --- drill-child: a restore drill after each scheduled backup, and the DW's recovery objectives
    /** Restore drill after each scheduled backup (default true). */
    drill: Type.Optional(Type.Boolean()),
    /** Recovery point objective: the newest verified archive must be younger (default 24 h). */
    rpoMinutes: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    /** Recovery time objective: the last drill's restore plus API start must be quicker (default 60 min). */
    rtoMinutes: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    // --- end drill-child
    /** s3-recover: scheduled archives streamed into this bucket (as the management server's backups.s3). */
    s3: Type.Optional(S3TargetConfig),
  },
  strict,
);

export const DataWarehouseConfig = Type.Object(
  {
    managementGroup: GroupRef,
    keyId: Type.String({ minLength: 1 }),
    databases: Type.Object(
      {
        staging: Type.String({ minLength: 1 }),
        repository: Type.String({ minLength: 1 }),
        datamart: Type.String({ minLength: 1 }),
      },
      strict,
    ),
    listen: Type.String({ minLength: 1 }),
    backups: Type.Optional(DwBackupsConfig),
    extract: Type.Optional(
      Type.Object(
        {
          /** Seconds between scheduled extract runs (default 300). */
          intervalSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
          /** Changes asked for per batch (default 500). */
          batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
        },
        strict,
      ),
    ),
    // --- dw-etl (issue 11): the other jobs (docs/DATA-WAREHOUSE.md §1)
    jobs: Type.Optional(
      Type.Object(
        {
          /** A finished extract that moved rows runs transform then load (default true). */
          chain: Type.Optional(Type.Boolean()),
          transformIntervalSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
          loadIntervalSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
          mpsyncIntervalSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
          maintenanceIntervalSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
          /** Changes (transform) or versions (load) per batch (default 500). */
          batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
          /** Facts older than this many days are removed by maintenance (default 1095, 3 years). */
          retentionDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 36500 })),
        },
        strict,
      ),
    ),
    // --- end dw-etl
    /** dw-metrics: the DW's GET /metrics, the same rule as the management server's (metrics.ts). */
    metrics: Type.Optional(MetricsConfig),
  },
  strict,
);

export type DataWarehouseConfig = Static<typeof DataWarehouseConfig>;
