#!/usr/bin/env node
import { createRequire } from 'node:module';
/**
 * The smgr command line. Commands are thin: parse flags, call the domain,
 * print through Output. Exit codes: 0 success, 1 failure (one-line cause and
 * one-line remedy), 2 bad usage.
 */
import { Command, CommanderError } from 'commander';
import { registerBackup } from './commands/backup.js';
import { registerDoctor } from './commands/doctor.js';
import { registerKey } from './commands/key.js';
import { registerPromote } from './commands/promote.js';
import { registerRestore } from './commands/restore.js';
import { registerServe } from './commands/serve.js';
import { registerSetup } from './commands/setup.js';
import { registerStart } from './commands/start.js';
import { registerStatus } from './commands/status.js';
import { reportError } from './output.js';

const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string };

export function buildProgram(): Command {
  const program = new Command('smgr')
    .description('smgr: service management whose management servers can be backed up and recovered')
    .version(version)
    .option(
      '--home <dir>',
      "this computer's smgr home (env SMGR_HOME; default /var/lib/smgr as root, else ~/.local/share/smgr)",
    )
    .option('--computer-name <name>', "this computer's name (env SMGR_COMPUTER_NAME; default the host name)")
    .option('--json', 'machine-readable output (see docs/ERRORS.md for the shapes)')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .showHelpAfterError();
  registerStart(program);
  registerSetup(program);
  registerServe(program);
  registerStatus(program);
  registerDoctor(program);
  registerKey(program);
  registerPromote(program);
  registerBackup(program);
  registerRestore(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    return reportError(e, argv.includes('--json'));
  }
}

main(process.argv).then(
  (code) => {
    // A command may have set a failing exit code itself (doctor); keep it.
    if (code !== 0 || process.exitCode === undefined) process.exitCode = code;
  },
  (e) => {
    process.exitCode = reportError(e, false);
  },
);
