/**
 * The data warehouse as a part (src/parts/part.ts): its databases are
 * DWStagingAndConfig, DWRepository and DWDataMart; its key the DW key, whose
 * records are in DWStagingAndConfig (the matching key) and, once registered,
 * in the Service Manager group's ServiceManager database (reached through
 * that management server's API, never its database).
 *
 * serve: prepare (writes nothing) checks the KEK against both records and
 * binds the DW API's listener (/health, /api/v1/dw/jobs; default
 * 127.0.0.1:8440); start applies pending migrations, heartbeats (here and in
 * ServiceManager) and runs the extract job every interval. Crash (kill -9):
 * a registration that stops heartbeating and at most one extract batch that
 * never committed (the watermark moves with the batch).
 */
import { requirePart } from '../config/config-file.js';
import type { DataWarehouseConfig } from '../config/data-warehouse-config.js';
import type { Database } from '../db/database.js';
import { recordKeyBackup } from '../keys/key-records.js';
import type { OpenedPart, PartContext, PartDefinition } from '../parts/part.js';
import { readinessChecks, withReadiness } from '../recovery/readiness-report.js';
import type { SecureStorage } from '../secure-storage/secure-storage.js';
import { dataWarehouseSetup } from './data-warehouse-setup.js';
import { backupDataWarehouse } from './dw-backup.js';
import { openDwDatabases } from './dw-databases.js';
import { dwChecks } from './dw-doctor.js';
import { dataWarehouseDrill } from './dw-drill.js';
import { dwReadinessOf } from './dw-readiness.js';
import { dataWarehouseRecoveryPlan } from './dw-recovery.js';
import { pruneDwBackups } from './dw-scheduled-backups.js';
import { prepareDwServe } from './dw-serve.js';
import { collectDwStatus } from './dw-status.js';

export interface OpenedDataWarehouse extends OpenedPart {
  readonly staging: Database;
  readonly repository: Database;
  readonly datamart: Database;
  readonly config: DataWarehouseConfig;
  readonly storage: SecureStorage;
  readonly computerName: string;
}

export const dataWarehousePart: PartDefinition = {
  name: 'data-warehouse',
  title: 'data warehouse server',
  keyPart: 'data-warehouse',
  recoverySetup: 'smgr setup data-warehouse --existing-database --staging-database URL',
  setup: dataWarehouseSetup,

  async open(ctx: PartContext): Promise<OpenedDataWarehouse> {
    const config = requirePart(ctx.home, ctx.config, 'data-warehouse');
    const dbs = await openDwDatabases(config.databases);
    const opened: OpenedDataWarehouse = {
      definition: dataWarehousePart,
      managementGroup: config.managementGroup,
      databases: dbs.list,
      staging: dbs.staging,
      repository: dbs.repository,
      datamart: dbs.datamart,
      config,
      storage: ctx.storage,
      computerName: ctx.computerName,
      // drill-child: the DW's readiness (its drills, archives, key backup) in status and doctor
      status: async () =>
        withReadiness(
          await collectDwStatus(opened),
          await dwReadinessOf(dbs.staging, config),
          config.backups !== undefined,
        ),
      doctor: async () => [
        ...(await dwChecks(opened)),
        ...readinessChecks(await dwReadinessOf(dbs.staging, config), config.backups !== undefined),
      ],
      async recordKeyBackup(keyIds) {
        const known = (
          await dbs.staging.query<{ key_id: string }>('SELECT key_id FROM key_records')
        ).rows.map((r) => r.key_id);
        const mine = keyIds.filter((k) => known.includes(k));
        await recordKeyBackup(dbs.staging, mine);
        return mine.length;
      },
      backup: (o) => backupDataWarehouse(opened, ctx, o),
      prune: (o) =>
        pruneDwBackups(opened, ctx.home, o.directory, {
          dryRun: o.dryRun,
          actor: o.actor,
          onDelete: (a) =>
            o.progress.report({ phase: 'step', message: `deleted ${a.file}`, tablesDone: 0, tablesTotal: 0 }),
          onBusy: (a) =>
            o.progress.report({
              phase: 'step',
              message: `kept ${a.file}: being read (reader mark until ${a.until})`,
              tablesDone: 0,
              tablesTotal: 0,
            }),
        }),
      close: () => dbs.close(),
    };
    return opened;
  },

  prepareServe: (opened, ctx, serve) => prepareDwServe(opened as OpenedDataWarehouse, ctx, serve),
  recoveryPlan: (input) => dataWarehouseRecoveryPlan(input),
  drill: dataWarehouseDrill, // drill-child
};
