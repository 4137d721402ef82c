/**
 * smgr drill [ARCHIVE]: a restore drill of the archive named, else of the
 * group's newest archive in the backup directory (src/recovery/drill.ts),
 * its evidence recorded in ServiceManager's archive_checks whether it passed
 * or not. Through the running server when there is one (the drill then runs
 * in the server's process).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Type } from 'typebox';
import { listBackups } from '../backup/backup-catalog.js';
import { SmgrError } from '../errors/smgr-error.js';
import type { OpenedManagementServer } from '../management-server/management-server-part.js';
import { type ArchiveCheck, recordArchiveCheck } from '../recovery/archive-checks.js';
import { runDrill } from '../recovery/drill.js';
import { defaultBackupDirectory } from './backup-create.js';
import { defineOperation } from './operation.js';

export const drillOperation = defineOperation({
  name: 'drill',
  input: Type.Object(
    {
      archive: Type.Optional(Type.String({ minLength: 1 })),
      directory: Type.Optional(Type.String({ minLength: 1 })),
    },
    { additionalProperties: false },
  ),
  async run(inst, input, progress): Promise<{ drill: ArchiveCheck }> {
    const ms = inst.part<OpenedManagementServer>('management-server');
    const directory = input.directory
      ? path.resolve(input.directory)
      : defaultBackupDirectory(inst.home, inst.config);
    const target = pickArchive(input.archive, directory, ms.managementGroup);
    const drill = await runDrill({
      file: target.file,
      archiveCreatedAt: target.createdAt,
      managementGroup: ms.managementGroup,
      keyId: ms.config.keyId,
      storage: inst.storage,
      computerName: inst.computerName,
      step: (message) => progress.report({ phase: 'step', message, tablesDone: 0, tablesTotal: 0 }),
    });
    await recordArchiveCheck(ms.db, drill);
    return { drill };
  },
});

function pickArchive(
  archive: string | undefined,
  directory: string,
  group: { id: string; name: string },
): { file: string; createdAt: string } {
  if (archive) {
    const file = path.resolve(archive);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch (e) {
      throw new SmgrError('FILE_UNREADABLE', {
        path: file,
        reason: (e as NodeJS.ErrnoException).code ?? 'error',
      });
    }
    const listed = listBackups(path.dirname(file)).find((b) => b.file === file);
    return { file, createdAt: listed?.createdAt ?? stat.mtime.toISOString() };
  }
  const newest = listBackups(directory).find((b) => b.managementGroup?.id === group.id);
  if (!newest) throw new SmgrError('NO_ARCHIVE', { group: group.name, directory });
  return { file: newest.file, createdAt: newest.createdAt ?? new Date(0).toISOString() };
}
