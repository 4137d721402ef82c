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
import { archiveSource } from '../backup/archive-source.js';
import { listBackups } from '../backup/backup-catalog.js';
import { isS3Url, listS3Backups, parseS3Url, type S3Settings, s3Client } from '../backup/s3-target.js';
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
    const s3 = ms.config.backups?.s3;
    const directory = input.directory
      ? isS3Url(input.directory)
        ? input.directory
        : path.resolve(input.directory)
      : defaultBackupDirectory(inst.home, inst.config);
    const target =
      (input.archive && isS3Url(input.archive)) || (!input.archive && isS3Url(directory))
        ? await pickS3Archive(input.archive, directory, ms.managementGroup, s3)
        : pickArchive(input.archive, directory, ms.managementGroup);
    const source = archiveSource(target.file, s3, progress);
    const drill = await runDrill({
      file: source.file,
      open: source.open,
      progress,
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

/** s3-stream: the archive named in the bucket (its summary's time), else the group's newest there. */
async function pickS3Archive(
  archive: string | undefined,
  directory: string,
  group: { id: string; name: string },
  s3: S3Settings | undefined,
): Promise<{ file: string; createdAt: string }> {
  const url = archive ?? directory;
  const at = parseS3Url(url);
  const dir = archive ? `s3://${at.bucket}/${at.prefix.replace(/[^/]*\/?$/, '')}` : url;
  const listed = await listS3Backups(s3Client(s3), parseS3Url(dir));
  if (archive) {
    const found = listed.find((b) => b.file === archive);
    // Not listed: openS3Archive says precisely why (no such object, bucket or access).
    return { file: archive, createdAt: found?.createdAt ?? new Date(0).toISOString() };
  }
  const newest = listed.find((b) => b.managementGroup?.id === group.id);
  if (!newest) throw new SmgrError('NO_ARCHIVE', { group: group.name, directory });
  return { file: newest.file, createdAt: newest.createdAt ?? new Date(0).toISOString() };
}
