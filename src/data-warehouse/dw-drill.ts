/**
 * The data warehouse's restore drill hook (src/recovery/part-drill.ts): its
 * archive (FORMAT §2.12) restored into three embedded databases
 * (DWStagingAndConfig, DWRepository, DWDataMart) with the identity derived
 * from the DW key; the restored DW's API alone is started (after its key is
 * checked against its record), never its jobs or heartbeats, so the scratch
 * copy contacts no management server; its doctor runs offline (the check
 * against ServiceManager is the live DW's). The evidence goes to
 * DWStagingAndConfig's archive_checks (v6).
 */
import path from 'node:path';
import { pino } from 'pino';
import { dwBackupIdentity } from '../backup/archive-auth.js';
import { keksOfStorage } from '../backup/archive-keys.js';
import { requirePart } from '../config/config-file.js';
import { unlockKey } from '../keys/unlock-key.js';
import { listenOn } from '../management-server/listen.js';
import { recordArchiveCheck } from '../recovery/archive-checks.js';
import type { PartDrill } from '../recovery/part-drill.js';
import type { OpenedDataWarehouse } from './data-warehouse-part.js';
import { buildDwApi } from './dw-api.js';
import { DW_DATABASES } from './dw-databases.js';
import { dwChecks } from './dw-doctor.js';
import { requireDwGroup } from './dw-group.js';
import { ReportSessionSealer, reportCookieKey } from './report-session-cookie.js';
import { restoreDataWarehouse } from './restore-dw.js';

export const dataWarehouseDrill: PartDrill = {
  subject(ctx) {
    const config = requirePart(ctx.home, ctx.config, 'data-warehouse');
    // The bucket's endpoint when the DW's archives go to S3 (its scheduled backups' `backups.s3`).
    return { managementGroup: config.managementGroup, keyId: config.keyId, s3: config.backups?.s3 };
  },

  async restore(o) {
    const key = o.storage.getKey(o.keyId);
    if (!key) throw new Error(`the scratch home lacks the DW key ${o.keyId}`);
    const urls = Object.fromEntries(
      DW_DATABASES.map((s) => [s.role, `pglite:${path.join(o.databasesDir, s.name)}`]),
    ) as Record<(typeof DW_DATABASES)[number]['role'], string>;
    const identity = dwBackupIdentity({
      keyId: key.keyId,
      managementGroupId: o.managementGroup.id,
      kek: key.kek,
    });
    const restored = await restoreDataWarehouse({
      file: o.file,
      open: o.open,
      progress: o.progress,
      urls,
      identities: [identity],
      keks: keksOfStorage(o.storage),
      expectedGroup: o.managementGroup,
    });
    return {
      durationMs: restored.durationMs,
      // DWStagingAndConfig first: it holds the DW's computer registration.
      databases: DW_DATABASES.map((s) => ({
        name: s.name,
        url: urls[s.role],
        tables: restored.databases.find((d) => d.name === s.name)!.tables,
      })),
    };
  },

  scratchEntry: (o) => ({
    managementGroup: o.managementGroup,
    keyId: o.keyId,
    databases: {
      staging: o.urls.DWStagingAndConfig,
      repository: o.urls.DWRepository,
      datamart: o.urls.DWDataMart,
    },
    listen: '127.0.0.1:0',
  }),

  async serve(opened, ctx) {
    const dw = opened as OpenedDataWarehouse;
    const group = await requireDwGroup(dw.staging);
    await unlockKey(dw.staging, ctx.storage, dw.config.keyId, group.name);
    const app = await buildDwApi({
      staging: dw.staging,
      repository: dw.repository,
      datamart: dw.datamart,
      logger: pino({ level: 'silent' }),
      identity: { managementGroup: group, computerName: ctx.computerName },
      cookieSealer: new ReportSessionSealer(
        reportCookieKey(ctx.storage.getKey(dw.config.keyId)!.kek, dw.config.keyId),
        dw.config.keyId,
      ),
    });
    try {
      const address = await listenOn(app, '127.0.0.1:0');
      return { address, stop: () => app.close() };
    } catch (e) {
      await app.close().catch(() => {});
      throw e;
    }
  },

  doctor: (opened) => dwChecks(opened as OpenedDataWarehouse, { offline: true }),

  record: (opened, check) => recordArchiveCheck((opened as OpenedDataWarehouse).staging, check),
};
