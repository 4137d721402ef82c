/**
 * smgr key backup / smgr key restore: parse, delegate to src/keys, print.
 * After a backup the time is recorded in the database (through the running
 * server when there is one); failing to record it does not undo the backup.
 */
import type { Command } from 'commander';
import { requireConfig } from '../../computer/config-file.js';
import type { HomePaths } from '../../computer/home.js';
import { writeKeyBackup } from '../../keys/backup-keys.js';
import { readKeyBackup } from '../../keys/key-backup-file.js';
import { recordKeyBackup } from '../../keys/key-records.js';
import { restoreKeys } from '../../keys/restore-keys.js';
import { SecureStorage } from '../../secure-storage/secure-storage.js';
import { contextOf } from '../cli-context.js';
import { getPassword } from '../passwords.js';
import { throughServer } from '../through-server.js';

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
        managementGroup: config.managementGroup,
        backupIdentity: storage.getBackupIdentity(config.managementGroup.id) ?? null,
      });
      const recorded = await recordBackupTime(ctx.home, ctx.computerNameFlag, result.keyIds).then(
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
        ctx.out.line(
          `Next: smgr setup management-server --existing-database --database URL --computer-name ${r.computerName}`,
        );
      });
    });
}

async function recordBackupTime(
  home: HomePaths,
  computerNameFlag: string | undefined,
  keyIds: string[],
): Promise<void> {
  await throughServer(home, computerNameFlag, 'record-key-backup', { keyIds }, (inst) =>
    recordKeyBackup(inst.db, keyIds),
  );
}
