/**
 * smgr mp import --from-archive FILE [--key-file F --password-file P]
 * (docs/RECOVERY.md §6): the unsealed packs of a backup archive imported
 * into this group, e.g. one rebuilt from nothing. The archive's identity is
 * found as `smgr restore database` finds it (secure storage, or the key
 * backup file); the archive may be another group's (the one that was lost).
 * The packs are imported in one transaction: all of them or none.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { SmgrError } from '../../errors/smgr-error.js';
import { packsOfArchive } from '../../management-packs/archive-packs.js';
import { mpImportOperation } from '../../operations/mp.js';
import { archiveKeysFromFlags } from '../archive-keys-flags.js';
import type { CliContext } from '../cli-context.js';
import { progressRenderer } from '../progress-bar.js';
import { runOperation } from '../run-operation.js';

export function registerFromArchiveFlags(cmd: Command): void {
  cmd
    .option('--from-archive <file>', 'import every unsealed pack of this .smbak archive instead of a FILE')
    .option('--key-file <file>', 'key backup file holding the archive identity (default: secure storage)')
    .option('--password-file <file>', 'file holding the key backup passphrase');
}

export async function importFromArchiveAction(
  ctx: CliContext,
  file: string | undefined,
  flags: Record<string, string | undefined>,
): Promise<void> {
  if (file)
    throw new SmgrError('USAGE', { detail: 'give either a pack FILE or --from-archive ARCHIVE, not both' });
  const keys = await archiveKeysFromFlags(ctx.home, {
    keyFile: flags.keyFile,
    passwordFile: flags.passwordFile,
  });
  const bar = progressRenderer(ctx.out);
  let documents: unknown[];
  try {
    documents = await packsOfArchive(
      path.resolve(flags.fromArchive!),
      { ...keys, expectedGroup: undefined },
      bar,
    );
  } finally {
    bar.end();
  }
  const r = await runOperation(ctx, mpImportOperation, { documents });
  ctx.out.result(r, ({ imported }) => {
    for (const i of imported) ctx.out.line(`Pack ${i.id} ${i.version} ${i.outcome}.`);
  });
}
