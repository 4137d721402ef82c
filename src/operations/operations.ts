/**
 * The table of operations (issue 8): what the admin channel dispatches and
 * what the CLI runs directly or through the server. A new operation is a new
 * file in this folder and one line here.
 */
import { backupCreateOperation } from './backup-create.js';
import { backupPruneOperation } from './backup-prune.js';
import { doctorOperation } from './doctor.js';
import { drillOperation } from './drill.js';
// data warehouse (issue 9)
import {
  dwRegisterOperation,
  dwRunExtractOperation,
  // --- dw-etl (issue 11)
  dwRunJobOperation,
  dwUnregisterOperation,
} from './dw.js';
// --- management packs (issue 10)
import {
  mpExportOperation,
  mpImportOperation,
  mpListOperation,
  mpRemoveOperation,
  mpShowOperation,
} from './mp.js';
import type { Operation } from './operation.js';
import { promoteOperation } from './promote.js';
import { recordKeyBackupOperation } from './record-key-backup.js';
import { statusOperation } from './status.js';
import { userAddOperation } from './user-add.js';
import { userListOperation } from './user-list.js';
import { userPasswordOperation } from './user-password.js';

export const operations: readonly Operation[] = [
  statusOperation,
  doctorOperation,
  backupCreateOperation,
  recordKeyBackupOperation,
  promoteOperation,
  userAddOperation,
  userPasswordOperation,
  userListOperation,
  // --- management packs (issue 10)
  mpListOperation,
  mpShowOperation,
  mpImportOperation,
  mpExportOperation,
  mpRemoveOperation,
  // data warehouse (issue 9)
  dwRegisterOperation,
  dwUnregisterOperation,
  dwRunExtractOperation,
  // --- dw-etl (issue 11)
  dwRunJobOperation,
  // ops (issue 13)
  backupPruneOperation,
  drillOperation,
] as unknown as readonly Operation[];

export function findOperation(name: string): Operation | undefined {
  return operations.find((o) => o.name === name);
}
