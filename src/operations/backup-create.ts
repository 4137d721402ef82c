/**
 * smgr backup create: one archive per installed part (each part's databases
 * in one consistent snapshot, docs/FORMAT.md §2), into the directory given,
 * else config `backup.directory`, else <home>/backups. One backup at a time
 * per computer (docs/FORMAT.md §2.6 rule 4): the lock file
 * <home>/backup.lock; the advisory lock in createBackup covers the other
 * computers of a server group. A crash leaves at most `.partial` files,
 * which the next backup removes. An `s3://BUCKET[/PREFIX]` directory streams
 * each archive into the bucket (src/backup/archive-target.ts).
 */
import path from 'node:path';
import { Type } from 'typebox';
import { defaultBackupDirectory } from '../backup/backup-directory.js';
import { isS3Url } from '../backup/s3-target.js';
import { SmgrError } from '../errors/smgr-error.js';
import { lockFile } from '../files/file-lock.js';
import type { ArchiveResult } from '../parts/part.js';
import { defineOperation } from './operation.js';

export { defaultBackupDirectory };

export const backupCreateOperation = defineOperation({
  name: 'backup-create',
  input: Type.Object(
    { directory: Type.Optional(Type.String({ minLength: 1 })) },
    { additionalProperties: false },
  ),
  async run(inst, input, progress): Promise<{ archives: ArchiveResult[] }> {
    const directory = input.directory
      ? isS3Url(input.directory) // s3-stream: streamed into the bucket
        ? input.directory
        : path.resolve(input.directory)
      : defaultBackupDirectory(inst.home, inst.config);
    const lock = await lockFile(
      path.join(inst.home.root, 'backup.lock'),
      (pid) =>
        new SmgrError('BACKUP_IN_PROGRESS', {
          group: inst.parts.map((p) => p.managementGroup.name).join(', '),
          where: `process ${pid} on this computer`,
        }),
    );
    try {
      const archives: ArchiveResult[] = [];
      for (const p of inst.parts) {
        // A part without databases (the portal: its key is all its state) has no archive.
        if (p.databases.length > 0) archives.push(await p.backup({ directory, progress }));
      }
      return { archives };
    } finally {
      lock.release();
    }
  },
});
