/** The global options every command honours: --home, --computer-name, --json. */
import type { Command } from 'commander';
import { type HomePaths, homePaths, resolveHome } from '../computer/home.js';
import { createOutput, type Output } from './output.js';

export interface CliContext {
  home: HomePaths;
  computerNameFlag?: string;
  out: Output;
}

export function contextOf(cmd: Command): CliContext {
  const o = cmd.optsWithGlobals<{ home?: string; computerName?: string; json?: boolean }>();
  return {
    home: homePaths(resolveHome(o.home)),
    computerNameFlag: o.computerName,
    out: createOutput(Boolean(o.json)),
  };
}
