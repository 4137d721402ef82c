/** --key-file / --password-file of the commands that open archives: reads the key file, then src/backup/archive-keys.ts decides. */
import { type ArchiveKeys, archiveKeys } from '../backup/archive-keys.js';
import type { HomePaths } from '../computer/home.js';
import { readKeyBackup } from '../keys/key-backup-file.js';
import { getPassword } from './passwords.js';

export async function archiveKeysFromFlags(
  home: HomePaths,
  flags: { keyFile?: string; passwordFile?: string },
  forPart?: 'data-warehouse',
): Promise<ArchiveKeys> {
  if (!flags.keyFile) return archiveKeys(home, undefined, forPart);
  const passphrase = await getPassword({
    file: flags.passwordFile,
    flag: '--password-file',
    prompt: 'Passphrase of the key backup',
  });
  return archiveKeys(home, await readKeyBackup(flags.keyFile, passphrase), forPart);
}
