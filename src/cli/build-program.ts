/**
 * The smgr program: the global options, and the top-level commands, each
 * registered by its own module under commands/, loaded on demand.
 */
import { Command } from 'commander';
import { SMGR_VERSION } from '../version.js';

/**
 * Each top-level command and the module that registers it, in the order
 * `smgr --help` lists them. Loaded on demand: a command loads its own
 * module graph only (measured: `smgr restore` 125 -> 90 MB RSS before it
 * reads a byte, and a smaller heap for its garbage collections to mark).
 */
const COMMANDS: ReadonlyArray<readonly [string, () => Promise<(program: Command) => void>]> = [
  ['start', async () => (await import('./commands/start.js')).registerStart],
  ['setup', async () => (await import('./commands/setup.js')).registerSetup],
  ['serve', async () => (await import('./commands/serve.js')).registerServe],
  ['status', async () => (await import('./commands/status.js')).registerStatus],
  ['doctor', async () => (await import('./commands/doctor.js')).registerDoctor],
  ['key', async () => (await import('./commands/key.js')).registerKey],
  ['promote', async () => (await import('./commands/promote.js')).registerPromote],
  ['user', async () => (await import('./commands/user.js')).registerUser],
  ['backup', async () => (await import('./commands/backup.js')).registerBackup],
  ['restore', async () => (await import('./commands/restore.js')).registerRestore],
  ['recover', async () => (await import('./commands/recover.js')).registerRecover],
  ['home', async () => (await import('./commands/home.js')).registerHome],
  ['mp', async () => (await import('./commands/mp.js')).registerMp], // management packs (issue 10)
  ['dw', async () => (await import('./commands/dw.js')).registerDw], // data warehouse (issue 9)
  ['drill', async () => (await import('./commands/drill.js')).registerDrill], // ops (issue 13)
];

/** The global options that take a value (the word after them is not the command). */
const VALUE_OPTIONS = new Set(['--home', '--computer-name']);

/** The command word of the arguments (after the global options), if any. */
export function commandWord(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (VALUE_OPTIONS.has(a)) i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/**
 * The program for these arguments (argv without node and the script): with
 * the named command only; with none for `--version` alone; else with every
 * command (help, a typo, no command).
 */
export async function buildProgram(args: readonly string[]): Promise<Command> {
  const word = commandWord(args);
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
  const named = COMMANDS.find(([name]) => name === word);
  const versionOnly = word === undefined && args.some((a) => a === '--version' || a === '-V');
  for (const [, load] of named ? [named] : versionOnly ? [] : COMMANDS) (await load())(program);
  return program;
}
