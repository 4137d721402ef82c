/**
 * One backup at a time per group (docs/FORMAT.md §2.6 rule 4): this
 * computer's lock file `<home>/backup.lock` (the advisory lock in
 * createBackup covers the other computers of a server group). The same
 * function runs in the CLI process or, through the admin channel, in the
 * running server.
 */
import type { SmgrConfig } from '../computer/config-file.js';
import type { HomePaths } from '../computer/home.js';
import type { Database } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { lockFile } from '../files/file-lock.js';
import { type BackupResult, createBackup } from './create-backup.js';
import type { Progress } from './progress.js';

export async function runBackup(o: {
  home: HomePaths;
  db: Database;
  config: SmgrConfig;
  directory?: string;
  progress: Progress;
}): Promise<BackupResult> {
  const lock = lockFile(
    `${o.home.root}/backup.lock`,
    (pid) =>
      new SmgrError('BACKUP_IN_PROGRESS', {
        group: o.config.managementGroup.name,
        where: `process ${pid} on this computer`,
      }),
  );
  try {
    const directory = o.directory ?? o.config.backup?.directory ?? o.home.backups;
    return await createBackup({ db: o.db, config: o.config, directory, progress: o.progress });
  } finally {
    lock.release();
  }
}
