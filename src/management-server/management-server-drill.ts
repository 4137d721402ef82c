/**
 * The management server's restore drill hook (src/recovery/part-drill.ts):
 * its archive is the ServiceManager database, restored with the group's
 * backup identity into one embedded database; the restored server is
 * started as `smgr serve` would and doctored with the part's own checks;
 * the evidence goes to ServiceManager's archive_checks.
 */
import path from 'node:path';
import { keksOfStorage } from '../backup/archive-keys.js';
import { restoreDatabase } from '../backup/restore-database.js';
import { requirePart } from '../config/config-file.js';
import { recordArchiveCheck } from '../recovery/archive-checks.js';
import type { PartDrill } from '../recovery/part-drill.js';
import type { OpenedManagementServer } from './management-server-part.js';

export const managementServerDrill: PartDrill = {
  subject(ctx) {
    const config = requirePart(ctx.home, ctx.config, 'management-server');
    return { managementGroup: config.managementGroup, keyId: config.keyId, s3: config.backups?.s3 };
  },

  async restore(o) {
    const identity = o.storage.getBackupIdentity(o.managementGroup.id);
    if (!identity) throw new Error('this computer lacks the backup identity');
    const url = `pglite:${path.join(o.databasesDir, 'ServiceManager')}`;
    const restored = await restoreDatabase({
      file: o.file,
      open: o.open,
      progress: o.progress,
      targetUrl: url,
      identities: [identity],
      keks: keksOfStorage(o.storage),
      expectedGroup: o.managementGroup,
      jobs: 1,
    });
    return {
      durationMs: restored.durationMs,
      databases: [{ name: 'ServiceManager', url, tables: restored.tables }],
    };
  },

  scratchEntry: (o) => ({
    managementGroup: o.managementGroup,
    database: o.urls.ServiceManager,
    keyId: o.keyId,
    listen: '127.0.0.1:0',
  }),

  record: (opened, check) => recordArchiveCheck((opened as OpenedManagementServer).db, check),
};
