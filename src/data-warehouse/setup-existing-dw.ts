/**
 * `smgr setup data-warehouse --existing-database --staging-database URL`:
 * recovery of a data warehouse server under the same computer name
 * (ARCHITECTURE §5). DWRepository and DWDataMart are found from what
 * DWStagingAndConfig records.
 *
 * Every check runs before anything is written, so a refusal changes nothing:
 * this home has no DW; the staging database holds a DW group; its KEK is in
 * secure storage and verifies (restore the key BEFORE setup — invariant 2);
 * the other two databases exist and hold their schemas; the registration of
 * this computer is not alive (unless --force; --wait waits until it is not). Then: pending migrations of
 * each database, an audit row (rebind) or the registration, config.json. A
 * crash before the config is written leaves a registration a rerun rebinds.
 */
import fs from 'node:fs';
import { audit } from '../audit/audit.js';
import type { HomePaths } from '../computer/home.js';
import { installPart, refuseInstalledPart } from '../config/config-file.js';
import { DEFAULT_DW_LISTEN } from '../config/data-warehouse-config.js';
import { parseDatabaseUrl } from '../db/database-url.js';
import { migrate, schemaVersion } from '../db/migrate.js';
import { openDatabase } from '../db/open-database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { unlockKey } from '../keys/unlock-key.js';
import { registerComputer } from '../management-group/registration.js';
import { type NameFreeOptions, requireNameFree } from '../management-group/require-name-free.js';
import type { SetupResult } from '../parts/part.js';
import { SecureStorage } from '../secure-storage/secure-storage.js';
import { DW_DATABASES, openDwDatabases } from './dw-databases.js';
import { requireDwGroup } from './dw-group.js';
import { DW_NEXT_STEPS } from './setup-new-dw.js';

export interface SetupExistingDwOptions extends NameFreeOptions {
  home: HomePaths;
  computerName: string;
  stagingUrl: string;
  listen?: string;
}

export async function setupExistingDw(o: SetupExistingDwOptions): Promise<SetupResult> {
  refuseInstalledPart(o.home, 'data-warehouse');
  const staging = parseDatabaseUrl(o.stagingUrl);
  if (staging.dataDir && !fs.existsSync(staging.dataDir)) {
    throw new SmgrError('DW_DATABASE_NO_GROUP', { url: staging.displayUrl });
  }
  const storage = SecureStorage.open(o.home.secureStorage);
  const urls = await readRecordedUrls(staging.url);
  for (const spec of DW_DATABASES.slice(1)) {
    const p = parseDatabaseUrl(urls[spec.role]);
    if (p.dataDir && !fs.existsSync(p.dataDir)) {
      throw new SmgrError('DW_DATABASE_MISSING', { database: spec.name, url: p.displayUrl });
    }
  }
  const dbs = await openDwDatabases(urls);
  try {
    const group = await requireDwGroup(dbs.staging);
    await unlockKey(dbs.staging, storage, group.keyId, group.name);
    for (const spec of DW_DATABASES.slice(1)) {
      const db = dbs[spec.role];
      if ((await schemaVersion(db)) === 0) {
        throw new SmgrError('DW_DATABASE_MISSING', { database: spec.name, url: db.displayUrl });
      }
    }
    const reg = await requireNameFree(dbs.staging, o.computerName, 'data-warehouse', o);
    for (const spec of DW_DATABASES) await migrate(dbs[spec.role], spec.migrations);
    await dbs.staging.transaction(async (tx) => {
      if (!reg) await registerComputer(tx, o.computerName, 'data-warehouse', 'data-warehouse');
      await audit(
        tx,
        `setup@${o.computerName}`,
        reg ? 'data-warehouse.rebound' : 'data-warehouse.registered',
        o.computerName,
        { forced: !!o.force },
      );
    });
    const managementGroup = { id: group.id, name: group.name };
    installPart(o.home, o.computerName, 'data-warehouse', {
      managementGroup,
      keyId: group.keyId,
      databases: urls,
      listen: o.listen ?? DEFAULT_DW_LISTEN,
    });
    return {
      part: 'data-warehouse',
      managementGroup,
      computerName: o.computerName,
      role: 'data-warehouse',
      keyId: group.keyId,
      databases: dbs.list.map((d) => `${d.name} ${d.db.displayUrl}`),
      configPath: o.home.config,
      rebound: reg !== undefined,
      next: DW_NEXT_STEPS.slice(0, 2),
    };
  } finally {
    await dbs.close();
  }
}

/** The three URLs: the staging one given, the others as DWStagingAndConfig records them (read-only). */
async function readRecordedUrls(stagingUrl: string) {
  const db = await openDatabase(stagingUrl);
  try {
    const group = await requireDwGroup(db);
    return { staging: stagingUrl, repository: group.repositoryDatabase, datamart: group.datamartDatabase };
  } finally {
    await db.close();
  }
}
