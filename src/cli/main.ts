#!/usr/bin/env node
/**
 * The smgr command line. Commands are thin: parse flags, call the domain,
 * print through Output. Exit codes: 0 success, 1 failure (one-line cause and
 * one-line remedy), 2 bad usage.
 */
import { CommanderError } from 'commander';
import { SmgrError } from '../errors/smgr-error.js';
import { buildProgram } from './build-program.js';
import { reportError } from './output.js';

async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv.slice(2));
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
