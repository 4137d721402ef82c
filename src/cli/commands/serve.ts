/** smgr serve: run every part installed on this computer until SIGTERM/SIGINT. */
import type { Command } from 'commander';
import type { HomePaths } from '../../computer/home.js';
import { startServer } from '../../serve/start-server.js';
import { contextOf } from '../cli-context.js';
import { createLogger } from '../logger.js';
import type { Output } from '../output.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run every part installed on this computer until SIGTERM/SIGINT')
    .option(
      '--listen <host:port>',
      'address the first part (the management server) listens on (default: from config, 127.0.0.1:8420)',
    )
    .action(async (flags: { listen?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      await serveUntilSignal(ctx.home, ctx.computerNameFlag, flags.listen, ctx.out);
    });
}

export async function serveUntilSignal(
  home: HomePaths,
  computerName: string | undefined,
  listen: string | undefined,
  out: Output,
): Promise<void> {
  const logger = createLogger();
  const server = await startServer({ home, computerName, listen, logger });
  out.result({ address: server.address, addresses: server.addresses }, () => {
    for (const [part, address] of Object.entries(server.addresses))
      out.line(`smgr ${part} listening on http://${address}`);
  });
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      server.stop().then(resolve, (e: Error) => {
        logger.error({ err: { message: e.message } }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  });
}
