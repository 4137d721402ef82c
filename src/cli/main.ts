#!/usr/bin/env node
/**
 * The smgr command line. Commands are thin: parse flags, call the domain,
 * print through Output. Exit codes: 0 success, 1 failure (one-line cause and
 * one-line remedy), 2 bad usage.
 */
import { Command, CommanderError } from 'commander';
import { SmgrError } from '../errors/smgr-error.js';
import { SMGR_VERSION } from '../version.js';
import { registerBackup } from './commands/backup.js';
import { registerDoctor } from './commands/doctor.js';
import { registerDrill } from './commands/drill.js';
import { registerDw } from './commands/dw.js';
import { registerHome } from './commands/home.js';
import { registerKey } from './commands/key.js';
// --- management packs (issue 10)
import { registerMp } from './commands/mp.js';
import { registerPromote } from './commands/promote.js';
import { registerRecover } from './commands/recover.js';
import { registerRestore } from './commands/restore.js';
import { registerServe } from './commands/serve.js';
import { registerSetup } from './commands/setup.js';
import { registerStart } from './commands/start.js';
import { registerStatus } from './commands/status.js';
import { registerUser } from './commands/user.js';
import { reportError } from './output.js';

export function buildProgram(): Command {
  const program = new Command('smgr')
    .description('smgr: service management whose management servers can be backed up and recovered')
    .version(SMGR_VERSION)
    .option(
      '--home <dir>',
      "this computer's smgr home (env SMGR_HOME; default /var/lib/smgr as root, else ~/.local/share/smgr)",
    )
    .option('--computer-name <name>', "this computer's name (env SMGR_COMPUTER_NAME; default the host name)")
    .option('--json', 'machine-readable output (see docs/ERRORS.md for the shapes)')
    .configureHelp({ showGlobalOptions: true })
    // Usage errors are reported through the registry (USAGE, exit 2), as JSON with --json.
    .configureOutput({ outputError: () => {} })
    .exitOverride();
  registerStart(program);
  registerSetup(program);
  registerServe(program);
  registerStatus(program);
  registerDoctor(program);
  registerKey(program);
  registerPromote(program);
  registerUser(program);
  registerBackup(program);
  registerRestore(program);
  registerRecover(program);
  registerHome(program);
  // --- management packs (issue 10)
  registerMp(program);
  registerDw(program); // data warehouse (issue 9)
  registerDrill(program); // ops (issue 13)
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    const json = argv.includes('--json');
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return 0;
      return reportError(new SmgrError('USAGE', { detail: e.message.replace(/^error: /, '') }), json);
    }
    return reportError(e, json);
  }
}

// `smgr status | head`: a closed pipe ends the command quietly, as other Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
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
