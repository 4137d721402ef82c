/**
 * smgr start (what `npm start` runs): on a home with nothing installed, sets
 * up an embedded management group with administrator `admin` and a generated
 * password (printed once, and written 0600 into the home), then serves.
 * On an installed home it just serves.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { resolveComputerName } from '../../computer/computer-name.js';
import { readConfig } from '../../config/config-file.js';
import { writeFileAtomic } from '../../files/atomic-write.js';
import { setupNewDatabase } from '../../management-group/setup-new-database.js';
import { contextOf } from '../cli-context.js';
import { serveUntilSignal } from './serve.js';
import { printSetupResult } from './setup.js';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description(
      'set up an embedded management group if this home has none, then serve (what npm start runs)',
    )
    .option('--management-group <name>', 'name of the group created on first start', 'Default')
    .option('--listen <host:port>', 'address to listen on (default: from config, 127.0.0.1:8420)')
    .action(async (flags: { managementGroup: string; listen?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      if (!readConfig(ctx.home)) {
        const password = randomBytes(18).toString('base64url');
        fs.mkdirSync(ctx.home.root, { recursive: true, mode: 0o700 });
        const result = await setupNewDatabase({
          home: ctx.home,
          computerName: resolveComputerName(ctx.computerNameFlag),
          groupName: flags.managementGroup,
          adminUser: 'admin',
          adminPassword: password,
          listen: flags.listen,
        });
        const passwordFile = path.join(ctx.home.root, 'admin-password');
        writeFileAtomic(passwordFile, `${password}\n`, { mode: 0o600 });
        printSetupResult(ctx.out, result, { servingNext: true });
        ctx.out.line('');
        ctx.out.line(`Administrator: admin   password: ${password}`);
        ctx.out.line(`(shown once; also saved, readable only by you, in ${passwordFile})`);
      }
      await serveUntilSignal(ctx.home, ctx.computerNameFlag, flags.listen, ctx.out);
    });
}
