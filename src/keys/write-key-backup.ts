/**
 * `smgr key backup`, the domain side: export the keys of one management group
 * from this computer's secure storage into a key backup file (docs/FORMAT.md
 * §1). Checks everything that can be checked (passphrase, target, keys)
 * before writing anything; writes the file 0600, atomically. It does not
 * touch the database: the caller records the backup time (recordKeyBackup).
 *
 * Crash: the file is whole or absent (or the old one, with --force); a temp
 * file beside it (`.tmp-<name>-<pid>-*`) is removed by the next key backup
 * to that directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SmgrError } from '../errors/smgr-error.js';
import { removeStaleTemps, writeFileAtomic } from '../files/atomic-write.js';
import { validatePassword } from '../schema/validate-names.js';
import type { SecureStorage } from '../secure-storage/secure-storage.js';
import { encodeKeyBackup, type KeyBackupContent } from './key-backup-file.js';

export interface WriteKeyBackupOptions {
  storage: SecureStorage;
  /** Where to write the key backup file. */
  file: string;
  passphrase: string;
  /** Replace an existing file. */
  force?: boolean;
  computerName: string;
  managementGroup: { id: string; name: string };
  /** The database-backup identity (AGE-SECRET-KEY-1...), once there is one. */
  backupIdentity?: string | null;
  /** The groups of the other parts installed on this computer: their keys go into the same file. */
  otherGroups?: ReadonlyArray<{ id: string; name: string }>;
}

/**
 * Writes every key of `managementGroup` held in secure storage to `file`.
 * Keys of other groups in the same store are not included.
 */
export async function writeKeyBackup(o: WriteKeyBackupOptions): Promise<{ file: string; keyIds: string[] }> {
  validatePassword(o.passphrase);
  const file = path.resolve(o.file);
  if (!o.force && fs.existsSync(file)) throw new SmgrError('FILE_EXISTS', { path: file });
  // The keys of the file's group, and of the other parts' groups installed here (a DW beside a management server).
  const groups = new Map([o.managementGroup, ...(o.otherGroups ?? [])].map((g) => [g.id, g]));
  const keys = o.storage.listKeys().filter((k) => groups.has(k.managementGroupId));
  if (keys.length === 0) {
    throw new SmgrError('KEY_BACKUP_NOTHING', { path: o.storage.dir, group: o.managementGroup.name });
  }
  const content: KeyBackupContent = {
    createdAt: new Date().toISOString(),
    computerName: o.computerName,
    managementGroup: { id: o.managementGroup.id, name: o.managementGroup.name },
    keys: keys.map((k) => ({
      keyId: k.keyId,
      part: k.part,
      kek: k.kek,
      createdAt: k.createdAt,
      ...(k.managementGroupId !== o.managementGroup.id
        ? { managementGroup: groups.get(k.managementGroupId)! }
        : {}),
    })),
    backupIdentity: o.backupIdentity ?? null,
  };
  const bytes = await encodeKeyBackup(content, o.passphrase);
  removeStaleTemps(path.dirname(file), file); // what a key backup killed half-way left
  try {
    writeFileAtomic(file, bytes, { mode: 0o600, exclusive: !o.force });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && !o.force) throw new SmgrError('FILE_EXISTS', { path: file });
    throw new SmgrError(
      'KEY_BACKUP_WRITE_FAILED',
      { path: file, reason: code ?? 'unknown error' },
      { cause: e },
    );
  }
  return { file, keyIds: keys.map((k) => k.keyId) };
}
