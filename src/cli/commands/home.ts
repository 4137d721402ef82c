/**
 * smgr home: prints this computer's smgr home (--home, SMGR_HOME, else
 * /var/lib/smgr as root or ~/.local/share/smgr), so scripts and the README's
 * examples can find what is in it: `cat "$(smgr home)/admin-password"`.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { readConfig } from '../../config/config-file.js';
import { adminPasswordFile } from '../../management-group/first-run.js';
import { contextOf } from '../cli-context.js';

export function registerHome(program: Command): void {
  program
    .command('home')
    .description(
      "print this computer's smgr home: config.json, secure storage, databases, backups and the admin-password of the first run",
    )
    .action((_flags: object, cmd: Command) => {
      const ctx = contextOf(cmd);
      const passwordFile = adminPasswordFile(ctx.home);
      const result = {
        home: ctx.home.root,
        installed: readConfig(ctx.home) !== undefined,
        config: ctx.home.config,
        secureStorage: ctx.home.secureStorage,
        databases: ctx.home.databases,
        backups: ctx.home.backups,
        adminPasswordFile: fs.existsSync(passwordFile) ? passwordFile : null,
      };
      ctx.out.result(result, (r) => ctx.out.line(r.home));
    });
}
