/** smgr setup management-server: parse, delegate to src/management-group, print. */
import { type Command, Option } from 'commander';
import { resolveComputerName } from '../../computer/computer-name.js';
import { SmgrError } from '../../errors/smgr-error.js';
import { type SetupResult, setupNewDatabase } from '../../management-group/setup-new-database.js';
import { contextOf } from '../cli-context.js';
import { getPassword } from '../passwords.js';
import { printSetupResult } from './setup-output.js';

interface SetupFlags {
  newDatabase?: boolean;
  existingDatabase?: boolean;
  managementGroup?: string;
  database?: string;
  adminUser?: string;
  adminPasswordFile?: string;
  listen?: string;
  force?: boolean;
}

export function registerSetup(program: Command): void {
  const setup = program.command('setup').description('install a part of smgr on this computer');
  setup
    .command('management-server')
    .description(
      'install a management server: a new management group, or join/recover one in an existing database',
    )
    .addOption(
      new Option('--new-database', 'create a new management group in an empty database').conflicts(
        'existingDatabase',
      ),
    )
    .option('--existing-database', 'use an existing database (recovery, or a secondary management server)')
    .option('--management-group <name>', 'name of the new management group (--new-database)')
    .option(
      '--database <url>',
      'pglite:<path> or postgres://user@host:port/db (default: embedded in the home)',
    )
    .option('--admin-user <name>', 'first administrator (--new-database)')
    .option('--admin-password-file <file>', 'file holding the administrator password (else asked twice)')
    .option('--listen <host:port>', 'address the API will listen on', '127.0.0.1:8420')
    .option('--force', 'with --existing-database: take over a registration that still looks alive')
    .action(async (flags: SetupFlags, cmd: Command) => {
      const ctx = contextOf(cmd);
      const computerName = resolveComputerName(ctx.computerNameFlag);
      let result: SetupResult;
      if (flags.newDatabase) {
        if (!flags.managementGroup || !flags.adminUser) {
          throw new SmgrError('USAGE', {
            detail: '--new-database needs --management-group NAME and --admin-user NAME',
          });
        }
        const adminPassword = await getPassword({
          file: flags.adminPasswordFile,
          flag: '--admin-password-file',
          prompt: `Password for ${flags.adminUser}`,
          confirm: true,
        });
        result = await setupNewDatabase({
          home: ctx.home,
          computerName,
          groupName: flags.managementGroup,
          databaseUrl: flags.database,
          adminUser: flags.adminUser,
          adminPassword,
          listen: flags.listen,
        });
      } else if (flags.existingDatabase) {
        const { setupExistingDatabase } = await import('../../management-group/setup-existing-database.js');
        if (!flags.database)
          throw new SmgrError('USAGE', { detail: '--existing-database needs --database URL' });
        result = await setupExistingDatabase({
          home: ctx.home,
          computerName,
          databaseUrl: flags.database,
          listen: flags.listen,
          force: Boolean(flags.force),
        });
      } else {
        throw new SmgrError('USAGE', { detail: 'Choose --new-database or --existing-database' });
      }
      printSetupResult(ctx.out, result);
    });
}
