/**
 * One backup-directory writer at a time per computer (docs/FORMAT.md §2.6
 * rule 4): the lock file <home>/backup.lock that smgr backup create holds,
 * also taken by prune and by the scheduled backups of smgr serve. The kernel
 * releases it when the process dies.
 */
import path from 'node:path';
import type { HomePaths } from '../computer/home.js';
import { SmgrError } from '../errors/smgr-error.js';
import { lockFile } from '../files/file-lock.js';

export async function withBackupLock<T>(home: HomePaths, group: string, fn: () => Promise<T>): Promise<T> {
  const lock = await lockFile(
    path.join(home.root, 'backup.lock'),
    (pid) => new SmgrError('BACKUP_IN_PROGRESS', { group, where: `process ${pid} on this computer` }),
  );
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
