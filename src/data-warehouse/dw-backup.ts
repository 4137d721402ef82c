/**
 * The data warehouse's archive (issue 9 item 7, docs/FORMAT.md §2.12): one
 * version 3 archive holding DWStagingAndConfig, DWRepository and DWDataMart,
 * each read in its own REPEATABLE READ snapshot, opened downstream first
 * (DataMart, Repository, StagingAndConfig) and all held until the archive
 * is written; authenticated with the DW key (checked against its record in
 * DWStagingAndConfig first) and encrypted to the recipient derived from it,
 * so the DW key backup file opens it. One backup of the DW at a time: the
 * home's backup lock (the operation) and the advisory lock groupBackup in
 * DWStagingAndConfig.
 *
 * Crash: as every archive (create-backup.ts): at most a `.partial` file and
 * perhaps a summary without its archive, removed by the next backup.
 */
import { recipientOf } from '../backup/age-keys.js';
import { dwBackupIdentity, writerAuthKey } from '../backup/archive-auth.js';
import { createPartArchive, lockGroupBackup } from '../backup/create-backup.js';
import type { Progress } from '../backup/progress.js';
import { SmgrError } from '../errors/smgr-error.js';
import type { ArchiveResult, PartContext } from '../parts/part.js';
import type { OpenedDataWarehouse } from './data-warehouse-part.js';

/** The DW's backup recipient (FORMAT §2.12), from its KEK in secure storage. */
export async function dwBackupRecipient(dw: OpenedDataWarehouse): Promise<string> {
  const stored = dw.storage.getKey(dw.config.keyId);
  if (!stored) {
    throw new SmgrError('KEY_MISSING', {
      keyId: dw.config.keyId,
      group: dw.managementGroup.name,
      path: dw.storage.dir,
    });
  }
  return recipientOf(
    dwBackupIdentity({ keyId: stored.keyId, managementGroupId: dw.managementGroup.id, kek: stored.kek }),
  );
}

export async function backupDataWarehouse(
  dw: OpenedDataWarehouse,
  _ctx: PartContext,
  o: { directory: string; progress: Progress },
): Promise<ArchiveResult> {
  const group = dw.managementGroup;
  const recipient = await dwBackupRecipient(dw);
  return createPartArchive({
    part: 'data-warehouse',
    group,
    databases: dw.databases.map((d) => ({ name: d.name, db: d.db })),
    // Downstream first (FORMAT §2.12): a restored database is never ahead of the one it is filled from.
    snapshotOrder: [2, 1, 0],
    recipients: [recipient],
    auth: (tx) => writerAuthKey(tx, dw.storage, group, 'data-warehouse'),
    lock: (tx) => lockGroupBackup(tx, group.name),
    directory: o.directory,
    s3: dw.config.backups?.s3, // s3-recover: the endpoint for an s3:// directory
    progress: o.progress,
  });
}
