/**
 * smgr drill [ARCHIVE] [--part PART]: a restore drill of the archive named,
 * else of the newest archive of each installed part that has a drill hook
 * (the management server's group, the data warehouse's; part-drill.ts) in
 * the backup directory, its evidence recorded in that part's database
 * (archive_checks) whether it passed or not. The drill runs in a child
 * process (drill-child.ts), also when the operation runs inside the server
 * through its admin channel, so the server's event loop is never the
 * drill's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Type } from 'typebox';
import { listBackups } from '../backup/backup-catalog.js';
import { isS3Url, listS3Backups, parseS3Url, type S3Settings, s3Client } from '../backup/s3-target.js';
import { SmgrError } from '../errors/smgr-error.js';
import type { Installation } from '../parts/installation.js';
import type { GroupRef, OpenedPart, PartName } from '../parts/part.js';
import type { ArchiveCheck } from '../recovery/archive-checks.js';
import { drillInChild } from '../recovery/drill-child.js';
import { defaultBackupDirectory } from './backup-create.js';
import { defineOperation } from './operation.js';

export const drillOperation = defineOperation({
  name: 'drill',
  input: Type.Object(
    {
      archive: Type.Optional(Type.String({ minLength: 1 })),
      directory: Type.Optional(Type.String({ minLength: 1 })),
      part: Type.Optional(Type.String({ minLength: 1 })),
    },
    { additionalProperties: false },
  ),
  async run(inst, input, progress): Promise<{ drill: ArchiveCheck; drills: ArchiveCheck[] }> {
    const directory = input.directory
      ? isS3Url(input.directory)
        ? input.directory
        : path.resolve(input.directory)
      : defaultBackupDirectory(inst.home, inst.config);
    const parts = drillableParts(inst, input.part, input.archive);
    const drills: ArchiveCheck[] = [];
    let missing: unknown;
    for (const p of parts) {
      const hook = p.definition.drill!;
      const { managementGroup, s3 } = hook.subject(inst);
      let target: { file: string; createdAt: string };
      try {
        target =
          (input.archive && isS3Url(input.archive)) || (!input.archive && isS3Url(directory))
            ? await pickS3Archive(input.archive, directory, managementGroup, s3)
            : pickArchive(input.archive, directory, managementGroup);
      } catch (e) {
        // Several parts and no archive named: a part without archives is skipped (unless all are).
        if (parts.length > 1 && (e as SmgrError).code === 'NO_ARCHIVE') {
          missing ??= e;
          continue;
        }
        throw e;
      }
      const drill = await drillInChild({
        home: inst.home,
        computerName: inst.computerName,
        part: p.definition.name,
        file: target.file,
        archiveCreatedAt: target.createdAt,
        progress,
      });
      await hook.record(p, drill);
      drills.push(drill);
    }
    if (drills.length === 0) throw missing;
    return { drill: drills[0]!, drills };
  },
});

/** The installed parts to drill: --part, else the archive's part, else every part with a drill hook. */
function drillableParts(
  inst: Installation,
  part: string | undefined,
  archive: string | undefined,
): OpenedPart[] {
  if (part) {
    const p = inst.part(part as PartName);
    if (!p.definition.drill) throw new SmgrError('PART_NOT_INSTALLED', { home: inst.home.root, part });
    return [p];
  }
  const all = inst.parts.filter((p) => p.definition.drill);
  if (all.length === 0)
    throw new SmgrError('PART_NOT_INSTALLED', { home: inst.home.root, part: 'management-server' });
  if (!archive || all.length === 1) return archive ? all.slice(0, 1) : all;
  // The archive's summary names its group, and so its part.
  const file = path.resolve(archive);
  const group = isS3Url(archive)
    ? undefined
    : listBackups(path.dirname(file)).find((b) => b.file === file)?.managementGroup;
  return [all.find((p) => p.managementGroup.id === group?.id) ?? all[0]!];
}

function pickArchive(
  archive: string | undefined,
  directory: string,
  group: GroupRef,
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
  group: GroupRef,
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
