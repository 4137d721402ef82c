/**
 * `smgr setup management-server`: a new management group in an empty
 * database (setup-new-database.ts), or "use an existing database" — the
 * recovery of a management server under the same computer name, or a new
 * secondary (setup-existing-database.ts). Both refuse, changing nothing,
 * before they write.
 */
import { DEFAULT_LISTEN } from '../config/config-file.js';
import { SmgrError } from '../errors/smgr-error.js';
import { NAME_FLAGS, nameFreeOptions } from '../management-group/name-flags.js';
import { setupExistingDatabase } from '../management-group/setup-existing-database.js';
import { setupNewDatabase } from '../management-group/setup-new-database.js';
import type { PartSetup } from '../parts/part.js';

const str = (v: string | boolean | undefined) => (typeof v === 'string' ? v : undefined);

export const managementServerSetup: PartSetup = {
  description:
    'install a management server: a new management group, or join/recover one in an existing database',
  flags: [
    {
      flags: '--new-database',
      description: 'create a new management group in an empty database',
      conflicts: 'existingDatabase',
    },
    {
      flags: '--existing-database',
      description: 'use an existing database (recovery, or a secondary management server)',
    },
    { flags: '--management-group <name>', description: 'name of the new management group (--new-database)' },
    {
      flags: '--database <url>',
      description: 'pglite:<path> or postgres://user@host:port/db (default: embedded in the home)',
    },
    { flags: '--admin-user <name>', description: 'first administrator (--new-database)' },
    {
      flags: '--admin-password-file <file>',
      description: 'file holding the administrator password (else asked twice)',
    },
    { flags: '--listen <host:port>', description: 'address the API will listen on', default: DEFAULT_LISTEN },
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
      return setupNewDatabase({
        home: ctx.home,
        computerName: ctx.computerName,
        groupName: group,
        databaseUrl: str(flags.database),
        adminUser,
        adminPassword,
        listen: str(flags.listen),
      });
    }
    if (flags.existingDatabase) {
      const databaseUrl = str(flags.database);
      if (!databaseUrl) throw new SmgrError('USAGE', { detail: '--existing-database needs --database URL' });
      return setupExistingDatabase({
        home: ctx.home,
        computerName: ctx.computerName,
        databaseUrl,
        listen: str(flags.listen),
        ...nameFreeOptions(ctx, flags),
      });
    }
    throw new SmgrError('USAGE', { detail: 'Choose --new-database or --existing-database' });
  },
};
