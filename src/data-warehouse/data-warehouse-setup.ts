/**
 * `smgr setup data-warehouse`: a new DW (setup-new-dw.ts) or the recovery
 * of one from its DWStagingAndConfig database (setup-existing-dw.ts). Both
 * refuse, changing nothing, before they write.
 */
import { DEFAULT_DW_LISTEN } from '../config/data-warehouse-config.js';
import { SmgrError } from '../errors/smgr-error.js';
import { NAME_FLAGS, nameFreeOptions } from '../management-group/name-flags.js';
import type { PartSetup } from '../parts/part.js';
import { setupExistingDw } from './setup-existing-dw.js';
import { setupNewDw } from './setup-new-dw.js';

const str = (v: string | boolean | undefined) => (typeof v === 'string' ? v : undefined);

export const dataWarehouseSetup: PartSetup = {
  description:
    'install a data warehouse server: a new DW management group, or recover one from its DWStagingAndConfig database',
  flags: [
    {
      flags: '--new-database',
      description: 'create the DW databases and a new DW management group',
      conflicts: 'existingDatabase',
    },
    {
      flags: '--existing-database',
      description: 'recover: use an existing DWStagingAndConfig (--staging-database)',
    },
    {
      flags: '--management-group <name>',
      description: 'name of the new DW management group (--new-database)',
    },
    { flags: '--admin-user <name>', description: 'the DW administrator (--new-database)' },
    {
      flags: '--admin-password-file <file>',
      description: 'file holding the administrator password (else asked twice)',
    },
    {
      flags: '--staging-database <url>',
      description: 'DWStagingAndConfig: pglite:<path> or postgres://… (default: embedded in the home)',
    },
    {
      flags: '--repository-database <url>',
      description: 'DWRepository (--new-database; default: embedded in the home)',
    },
    {
      flags: '--datamart-database <url>',
      description: 'DWDataMart (--new-database; default: embedded in the home)',
    },
    {
      flags: '--dw-listen <host:port>',
      description: 'address the DW API will listen on',
      default: DEFAULT_DW_LISTEN,
    },
    ...NAME_FLAGS,
  ],
  async run(ctx, flags) {
    if (flags.newDatabase) {
      const group = str(flags.managementGroup);
      const adminUser = str(flags.adminUser);
      if (!group || !adminUser) {
        throw new SmgrError('USAGE', {
          detail: '--new-database needs --management-group NAME and --admin-user NAME',
        });
      }
      const adminPassword = await ctx.password({
        file: str(flags.adminPasswordFile),
        flag: '--admin-password-file',
        prompt: `Password for ${adminUser}`,
        confirm: true,
      });
      return setupNewDw({
        home: ctx.home,
        computerName: ctx.computerName,
        groupName: group,
        adminUser,
        adminPassword,
        urls: {
          staging: str(flags.stagingDatabase),
          repository: str(flags.repositoryDatabase),
          datamart: str(flags.datamartDatabase),
        },
        listen: str(flags.dwListen),
      });
    }
    if (flags.existingDatabase) {
      const stagingUrl = str(flags.stagingDatabase);
      if (!stagingUrl)
        throw new SmgrError('USAGE', { detail: '--existing-database needs --staging-database URL' });
      return setupExistingDw({
        home: ctx.home,
        computerName: ctx.computerName,
        stagingUrl,
        listen: str(flags.dwListen),
        ...nameFreeOptions(ctx, flags),
      });
    }
    throw new SmgrError('USAGE', { detail: 'Choose --new-database or --existing-database' });
  },
};
