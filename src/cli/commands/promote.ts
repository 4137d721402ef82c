/**
 * smgr promote COMPUTER [--force]: make a management server of the group the
 * workflow server (src/operations/promote.ts). Works from any computer of the
 * group: through the server running from this home when there is one, else
 * on the database directly.
 */
import type { Command } from 'commander';
import { promoteOperation } from '../../operations/promote.js';
import { contextOf } from '../cli-context.js';
import { runOperation } from '../run-operation.js';

export function registerPromote(program: Command): void {
  program
    .command('promote')
    .description('make a management server of this group the workflow server (it takes the workflow lease)')
    .argument('<computer>', 'computer name of the management server to promote')
    .option(
      '--force',
      'take the lease even while the current holder is live (it is fenced: its workflow writes are refused)',
    )
    .action(async (computer: string, flags: { force?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const r = await runOperation(ctx, promoteOperation, { computer, force: Boolean(flags.force) });
      ctx.out.result(r, () => {
        ctx.out.line(`${r.holder} is now the workflow server (workflow lease token ${r.token}).`);
        if (r.previousHolder) {
          ctx.out.line(
            r.fenced
              ? `${r.previousHolder} (token ${r.previousToken}) was fenced: the database refuses its workflow writes; it runs as a secondary.`
              : `${r.previousHolder} (token ${r.previousToken}) had let its lease expire; it runs as a secondary when it comes back.`,
          );
        }
        ctx.out.line(
          r.holderAlive
            ? `${r.holder} takes the lease at its next lease check; smgr status shows it.`
            : `${r.holder} is not running: it takes the lease and runs the workflows when it starts (smgr serve).`,
        );
      });
    });
}
