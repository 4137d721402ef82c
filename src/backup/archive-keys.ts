/**
 * Which identities may open an archive, and which group it must belong to:
 * the backup identity of a key backup file (when one is given), then every
 * backup identity in this computer's secure storage. The expected group is
 * the key file's, else the group of the part installed in this home (when
 * there is exactly one); an archive opened by another identity is then told
 * to be another group's (ARCHIVE_OTHER_GROUP).
 */

import type { HomePaths } from '../computer/home.js';
import { readConfig } from '../config/config-file.js';
import { SmgrError } from '../errors/smgr-error.js';
import type { KeyBackupContent } from '../keys/key-backup-file.js';
import { SecureStorage } from '../secure-storage/secure-storage.js';

export interface ArchiveKeys {
  identities: string[];
  expectedGroup?: { id: string; name: string };
}

export function archiveKeys(home: HomePaths, keyBackup?: KeyBackupContent): ArchiveKeys {
  const config = readConfig(home);
  const groups = Object.values(config?.parts ?? {}).map((p) => p.managementGroup);
  const identities: string[] = [];
  let expectedGroup = groups.length === 1 ? groups[0] : undefined;
  if (keyBackup) {
    if (keyBackup.backupIdentity) identities.push(keyBackup.backupIdentity);
    expectedGroup = keyBackup.managementGroup;
  }
  if (SecureStorage.exists(home.secureStorage)) {
    const held = SecureStorage.open(home.secureStorage).listBackupIdentities();
    // The expected group's identity first; others can still open an archive (and then be told it is another group's).
    held.sort(
      (a, b) =>
        Number(b.managementGroupId === expectedGroup?.id) - Number(a.managementGroupId === expectedGroup?.id),
    );
    identities.push(...held.map((h) => h.identity));
  }
  if (identities.length === 0) {
    throw new SmgrError('BACKUP_IDENTITY_MISSING', { group: expectedGroup?.name ?? 'unknown' });
  }
  return { identities, expectedGroup };
}
