/**
 * Which identities may open an archive, and which group it must belong to:
 * every backup identity in this computer's secure storage, plus the one in a
 * key backup file (--key-file, with its passphrase). The expected group is
 * the key file's, else this home's.
 */
import { readConfig } from '../computer/config-file.js';
import type { HomePaths } from '../computer/home.js';
import { SmgrError } from '../errors/smgr-error.js';
import { readKeyBackup } from '../keys/key-backup-file.js';
import { SecureStorage } from '../secure-storage/secure-storage.js';
import { getPassword } from './passwords.js';

export interface ArchiveKeys {
  identities: string[];
  expectedGroup?: { id: string; name: string };
}

export async function archiveKeys(
  home: HomePaths,
  keyFile?: string,
  passwordFile?: string,
): Promise<ArchiveKeys> {
  const config = readConfig(home);
  const identities: string[] = [];
  let expectedGroup = config?.managementGroup;
  if (keyFile) {
    const passphrase = await getPassword({
      file: passwordFile,
      flag: '--password-file',
      prompt: 'Passphrase of the key backup',
    });
    const content = await readKeyBackup(keyFile, passphrase);
    if (content.backupIdentity) identities.push(content.backupIdentity);
    expectedGroup = content.managementGroup;
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
