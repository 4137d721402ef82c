/**
 * One `smgr` command of the benchmark (bench/dw/run.ts) in its own process,
 * from the built CLI, measured: wall time, peak RSS and CPU seconds (GNU
 * time's %M %U %S; without /usr/bin/time, the highest VmHWM polled from
 * /proc and no CPU time). Answers the command's --json result (its last
 * line).
 */

import { CLI, type CliEnv } from '../../test/support/cli.js';
import { measure, vmHwm } from '../backup/measure.js';

export { vmHwm };

export interface MeasuredRun {
  seconds: number;
  peakRss: number;
  cpuSeconds: number;
  // biome-ignore lint/suspicious/noExplicitAny: the command's JSON answer
  result: any;
}

/** Measured as bench/backup measures its runs (measure.ts), without waiting for a quiet machine. */
export async function measureCli(env: CliEnv, args: string[], nodeArgs: string[] = []): Promise<MeasuredRun> {
  const m = await measure(process.execPath, [...nodeArgs, CLI, '--json', ...args], `smgr ${args.join(' ')}`, {
    env: { ...process.env, SMGR_HOME: env.home, SMGR_COMPUTER_NAME: env.computerName ?? '' },
    waitQuiet: false,
  });
  const last = m.stdout.trim().split('\n').at(-1) ?? '';
  return { seconds: m.seconds, peakRss: m.peakRss, cpuSeconds: m.cpuSeconds, result: JSON.parse(last) };
}
