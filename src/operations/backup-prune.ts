/**
 * smgr backup prune [--dry-run]: the management group's archives in the
 * backup directory judged by the retention policy of config.json
 * (`parts["management-server"].backups.retention`) and the evidence of
 * verifications and drills in ServiceManager; the others deleted, each
 * deletion in the audit log (src/backup/prune-backups.ts). Refused, changing
 * nothing, when no retention count is configured. `--dir s3://BUCKET/PREFIX`
 * prunes a bucket (backups.s3's endpoint; credentials from the SDK's chain),
 * keeping archives with a live reader mark (docs/FORMAT.md §5).
 */
import path from 'node:path';
import { Type } from 'typebox';
import { withBackupLock } from '../backup/backup-lock.js';
import { bucketPruneTarget } from '../backup/bucket-prune-target.js';
import { type PruneResult, pruneBackups } from '../backup/prune-backups.js';
import { hasRetentionRule } from '../backup/retention-policy.js';
import { isS3Url } from '../backup/s3-target.js';
import { SmgrError } from '../errors/smgr-error.js';
import type { OpenedManagementServer } from '../management-server/management-server-part.js';
import { archiveEvidence } from '../recovery/archive-checks.js';
import { defaultBackupDirectory } from './backup-create.js';
import { defineOperation } from './operation.js';

export const backupPruneOperation = defineOperation({
  name: 'backup-prune',
  input: Type.Object(
    { directory: Type.Optional(Type.String({ minLength: 1 })), dryRun: Type.Optional(Type.Boolean()) },
    { additionalProperties: false },
  ),
  async run(inst, input, progress): Promise<PruneResult> {
    // dw-archive: a computer without a management server prunes through the part that offers it.
    // s3-recover: a bucket too (the part's own prune takes an s3:// directory).
    const own = inst.parts.find((p) => p.prune);
    if (!inst.parts.some((p) => p.definition.name === 'management-server') && own?.prune) {
      return own.prune({
        directory: input.directory
          ? isS3Url(input.directory)
            ? input.directory
            : path.resolve(input.directory)
          : defaultBackupDirectory(inst.home, inst.config),
        dryRun: input.dryRun === true,
        actor: `prune@${inst.computerName}`,
        progress,
      });
    }
    const ms = inst.part<OpenedManagementServer>('management-server');
    const policy = ms.config.backups?.retention ?? {};
    if (!hasRetentionRule(policy))
      throw new SmgrError('RETENTION_NOT_CONFIGURED', { path: inst.home.config });
    const s3 = input.directory !== undefined && isS3Url(input.directory);
    const directory = input.directory
      ? s3
        ? input.directory
        : path.resolve(input.directory)
      : defaultBackupDirectory(inst.home, inst.config);
    return withBackupLock(inst.home, ms.managementGroup.name, async () =>
      pruneBackups({
        directory,
        managementGroup: ms.managementGroup,
        policy,
        evidence: await archiveEvidence(ms.db),
        dryRun: input.dryRun === true,
        actor: `prune@${inst.computerName}`,
        commit: (fn) => ms.db.transaction(fn),
        ...(s3 ? bucketPruneTarget(directory, ms.config.backups?.s3) : {}), // reader marks: FORMAT §5
        onDelete: (a) =>
          progress.report({
            phase: 'step',
            message: `deleted ${path.basename(a.file)}`,
            tablesDone: 0,
            tablesTotal: 0,
          }),
        onBusy: (a) =>
          progress.report({
            phase: 'step',
            message: `kept ${path.basename(a.file)}: being read (reader mark until ${a.until})`,
            tablesDone: 0,
            tablesTotal: 0,
          }),
      }),
    );
  },
});
