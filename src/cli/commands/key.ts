/**
 * smgr key backup / smgr key restore: parse, delegate to src/keys, print.
 * After a backup the time is recorded in the database (through the running
 * server when there is one); failing to record it does not undo the backup.
 */
import type { Command } from 'commander';
import { requireConfig } from '../../config/config-file.js';
import { readKeyBackup } from '../../keys/key-backup-file.js';
import { restoreKeys } from '../../keys/restore-keys.js';
import { writeKeyBackup } from '../../keys/write-key-backup.js';
import { recordKeyBackupOperation } from '../../operations/record-key-backup.js';
import { partDefinitions } from '../../parts/registry.js';
import { SecureStorage } from '../../secure-storage/secure-storage.js';
import { type CliContext, contextOf } from '../cli-context.js';
import { getPassword } from '../passwords.js';
import { runOperation } from '../run-operation.js';

interface KeyFlags {
  file: string;
  passwordFile?: string;
  force?: boolean;
}

export function registerKey(program: Command): void {
  const key = program.command('key').description('back up and restore the encryption keys of this computer');
  key
    .command('backup')
    .description('export the keys in secure storage to a passphrase-protected file (an age file)')
    .requiredOption('--file <file>', 'where to write the key backup file (keep it off this computer)')
    .option('--password-file <file>', 'file holding the passphrase (else asked twice at a hidden prompt)')
    .option('--force', 'replace an existing file')
    .action(async (flags: KeyFlags, cmd: Command) => {
      const ctx = contextOf(cmd);
      const config = requireConfig(ctx.home);
      // The key backup file names one group: the first installed part's (the management group's when it is here).
      const group = Object.values(config.parts)[0]!.managementGroup;
      const storage = SecureStorage.open(ctx.home.secureStorage);
      const passphrase = await getPassword({
        file: flags.passwordFile,
        flag: '--password-file',
        prompt: 'Passphrase for the key backup (at least 8 characters; it cannot be recovered)',
        confirm: true,
      });
      const result = await writeKeyBackup({
        storage,
        file: flags.file,
        passphrase,
        force: flags.force,
        computerName: config.computerName,
        managementGroup: group,
        backupIdentity: storage.getBackupIdentity(group.id) ?? null,
        // Every installed part's key: a computer running a management server and a DW backs up both.
        otherGroups: Object.values(config.parts)
          .slice(1)
          .map((p) => p.managementGroup),
      });
      const recorded = await recordBackupTime(ctx, result.keyIds).then(
        () => true,
        () => false,
      );
      ctx.out.result({ ...result, recorded }, (r) => {
        ctx.out.line('Secure Storage Backup Complete');
        ctx.out.line(`File: ${r.file}`);
        for (const id of r.keyIds) ctx.out.line(`Key:  ${id}`);
        ctx.out.line(
          'Keep this file and its passphrase apart, and off this computer. A lost passphrase cannot be recovered.',
        );
      });
      if (!recorded) ctx.out.warn('the backup time could not be recorded in the database (is it reachable?)');
    });

  key
    .command('restore')
    .description("put the keys of a key backup file into this computer's secure storage (before setup)")
    .requiredOption('--file <file>', 'the key backup file')
    .option('--password-file <file>', 'file holding the passphrase (else asked at a hidden prompt)')
    .option(
      '--force',
      'replace a different key held for the same part (the old one is kept beside it, dated)',
    )
    .action(async (flags: KeyFlags, cmd: Command) => {
      const ctx = contextOf(cmd);
      const passphrase = await getPassword({
        file: flags.passwordFile,
        flag: '--password-file',
        prompt: 'Passphrase of the key backup',
      });
      const content = await readKeyBackup(flags.file, passphrase);
      const storage = SecureStorage.open(ctx.home.secureStorage, { create: true });
      const result = restoreKeys({ storage, content, force: flags.force });
      ctx.out.result(result, (r) => {
        ctx.out.line('Secure Storage Key Restore Complete');
        ctx.out.line(
          `Management group "${r.managementGroup.name}" (${r.managementGroup.id}), backed up on ${r.computerName}`,
        );
        for (const id of r.restored) ctx.out.line(`Restored:  ${id}`);
        for (const id of r.unchanged) ctx.out.line(`Unchanged: ${id} (already here)`);
        for (const f of r.replacedFiles) ctx.out.line(`Kept the replaced key in ${f}`);
        // Each part whose key came back names its own recovery setup.
        const parts = new Set(content.keys.map((k) => k.part));
        for (const def of partDefinitions.filter((d) => parts.has(d.keyPart))) {
          ctx.out.line(`Next: ${def.recoverySetup} --computer-name ${r.computerName}`);
        }
      });
    });
}

async function recordBackupTime(ctx: CliContext, keyIds: string[]): Promise<void> {
  await runOperation(ctx, recordKeyBackupOperation, { keyIds });
}
