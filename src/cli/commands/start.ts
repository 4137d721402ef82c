/**
 * smgr start (what `npm start` runs): on a home with nothing installed, the
 * first run (src/management-group/first-run.ts) sets up an embedded management
 * group with administrator `admin` and a generated password, printed once and
 * saved 0600 in the home; then it serves. On an installed home it just serves.
 */
import type { Command } from 'commander';
import { resolveComputerName } from '../../computer/computer-name.js';
import { firstRun } from '../../management-group/first-run.js';
import { contextOf } from '../cli-context.js';
import { serveUntilSignal } from './serve.js';
import { printSetupResult } from './setup.js';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description(
      'set up an embedded management group if this home has none (first run), then serve until Ctrl-C (what npm start runs)',
    )
    .addHelpText(
      'after',
      '\nThe first run creates administrator "admin" with a generated password, printed once and saved,\n' +
        'readable only by you, in <home>/admin-password (smgr home prints the home). Later runs just serve.',
    )
    .option('--management-group <name>', 'name of the group created on first start', 'Default')
    .option('--listen <host:port>', 'address to listen on (default: from config, 127.0.0.1:8420)')
    .action(async (flags: { managementGroup: string; listen?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const first = await firstRun({
        home: ctx.home,
        computerName: resolveComputerName(ctx.computerNameFlag),
        groupName: flags.managementGroup,
        listen: flags.listen,
        progress: { step: (text) => ctx.out.line(text) },
      });
      if (first) {
        ctx.out.line(`Set up in ${(first.durationMs / 1000).toFixed(1)} s.`);
        ctx.out.line('');
        printSetupResult(ctx.out, first.setup, { servingNext: true });
        ctx.out.line('');
        ctx.out.line(`Administrator: ${first.adminUser}   password: ${first.adminPassword}`);
        ctx.out.line(`(shown once; also saved, readable only by you, in ${first.adminPasswordFile})`);
        ctx.out.line('');
      }
      await serveUntilSignal(ctx.home, ctx.computerNameFlag, flags.listen, ctx.out);
    });
}
