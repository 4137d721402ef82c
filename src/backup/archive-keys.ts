/**
 * Which identities may open an archive, which keys may authenticate it, and
 * which group it must belong to: the backup identity and management group
 * KEK of a key backup file (when one is given), then every backup identity
 * and management group KEK in this computer's secure storage. The expected
 * group is the key file's, else the group of the part installed in this
 * home (when there is exactly one); an archive opened by another identity is
 * then told to be another group's (ARCHIVE_OTHER_GROUP).
 */

import type { HomePaths } from '../computer/home.js';
import { readConfig } from '../config/config-file.js';
import { SmgrError } from '../errors/smgr-error.js';
import type { KeyBackupContent } from '../keys/key-backup-file.js';
import { SecureStorage } from '../secure-storage/secure-storage.js';
import { type ArchiveKek, dwBackupIdentity } from './archive-auth.js';

export interface ArchiveKeys {
  identities: string[];
  expectedGroup?: { id: string; name: string };
  keks: ArchiveKek[];
}

const ARCHIVE_KEY_PARTS: readonly string[] = ['management-group', 'data-warehouse'];

/** The management group and DW KEKs of a secure storage, as archive authentication keys (FORMAT §2.9, §2.12). */
export function keksOfStorage(storage: SecureStorage): ArchiveKek[] {
  return storage
    .listKeys()
    .filter((k) => ARCHIVE_KEY_PARTS.includes(k.part))
    .map((k) => ({ keyId: k.keyId, managementGroupId: k.managementGroupId, kek: k.kek }));
}

/** The management group and DW KEKs of a key backup file (a key names its own group when not the file's). */
export function keksOfKeyBackup(content: KeyBackupContent): ArchiveKek[] {
  return content.keys
    .filter((k) => ARCHIVE_KEY_PARTS.includes(k.part))
    .map((k) => ({
      keyId: k.keyId,
      managementGroupId: (k.managementGroup ?? content.managementGroup).id,
      kek: k.kek,
    }));
}

/** FORMAT §2.12: the identities derived from DW keys (a DW's archives open with its key). */
const dwIdentities = (keks: readonly ArchiveKek[]) =>
  keks.filter((k) => k.keyId.startsWith('dw-')).map((k) => dwBackupIdentity(k));

export function archiveKeys(
  home: HomePaths,
  keyBackup?: KeyBackupContent,
  /** The archive is the data warehouse's (FORMAT §2.12): its group is the DW key's. */
  forPart?: 'data-warehouse',
): ArchiveKeys {
  const config = readConfig(home);
  const groups = Object.values(config?.parts ?? {}).map((p) => p.managementGroup);
  const identities: string[] = [];
  const keks: ArchiveKek[] = [];
  let expectedGroup = groups.length === 1 ? groups[0] : undefined;
  if (forPart) expectedGroup = config?.parts['data-warehouse']?.managementGroup;
  if (keyBackup) {
    if (keyBackup.backupIdentity) identities.push(keyBackup.backupIdentity);
    keks.push(...keksOfKeyBackup(keyBackup));
    expectedGroup = keyBackup.managementGroup;
    if (forPart) {
      const dw = keyBackup.keys.find((k) => k.part === 'data-warehouse');
      expectedGroup = dw ? (dw.managementGroup ?? keyBackup.managementGroup) : undefined;
    }
  }
  if (SecureStorage.exists(home.secureStorage)) {
    const storage = SecureStorage.open(home.secureStorage);
    keks.push(...keksOfStorage(storage));
    const held = storage.listBackupIdentities();
    // The expected group's identity first; others can still open an archive (and then be told it is another group's).
    held.sort(
      (a, b) =>
        Number(b.managementGroupId === expectedGroup?.id) - Number(a.managementGroupId === expectedGroup?.id),
    );
    identities.push(...held.map((h) => h.identity));
  }
  identities.push(...dwIdentities(keks));
  if (identities.length === 0) {
    throw new SmgrError('BACKUP_IDENTITY_MISSING', { group: expectedGroup?.name ?? 'unknown' });
  }
  return { identities, expectedGroup, keks };
}
