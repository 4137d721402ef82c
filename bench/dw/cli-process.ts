/**
 * One `smgr` command of the benchmark (bench/dw/run.ts) in its own process,
 * from the built CLI, measured: wall time, peak RSS and CPU seconds (GNU
 * time's %M %U %S; without /usr/bin/time, the highest VmHWM polled from
 * /proc and no CPU time). Answers the command's --json result (its last
 * line).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, type CliEnv } from '../../test/support/cli.js';

export interface MeasuredRun {
  seconds: number;
  peakRss: number;
  cpuSeconds: number;
  // biome-ignore lint/suspicious/noExplicitAny: the command's JSON answer
  result: any;
}

const GNU_TIME = '/usr/bin/time';
const hasGnuTime = () => fs.existsSync(GNU_TIME);

/** VmHWM (peak RSS) of a running process in bytes; 0 once it is gone. */
export function vmHwm(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export async function measureCli(env: CliEnv, args: string[], nodeArgs: string[] = []): Promise<MeasuredRun> {
  const rssFile = path.join(os.tmpdir(), `smgr-bench-dw-${process.pid}-${Date.now()}`);
  const argv = [...nodeArgs, CLI, '--json', ...args];
  const useTime = hasGnuTime();
  const [cmd, cmdArgs] = useTime
    ? [GNU_TIME, ['-f', '%M %U %S', '-o', rssFile, process.execPath, ...argv]]
    : [process.execPath, argv];
  const started = process.hrtime.bigint();
  const child = spawn(cmd, cmdArgs, {
    env: { ...process.env, SMGR_HOME: env.home, SMGR_COMPUTER_NAME: env.computerName ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  let polled = 0;
  const poll = useTime ? undefined : setInterval(() => (polled = Math.max(polled, vmHwm(child.pid))), 100);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (poll) clearInterval(poll);
  let peakRss = polled;
  let cpuSeconds = Number.NaN;
  if (useTime && fs.existsSync(rssFile)) {
    const [kb, user, system] = (fs.readFileSync(rssFile, 'utf8').trim().split('\n').at(-1) ?? '')
      .split(' ')
      .map(Number);
    if (Number.isFinite(kb)) peakRss = kb! * 1024;
    if (Number.isFinite(user) && Number.isFinite(system)) cpuSeconds = user! + system!;
  }
  fs.rmSync(rssFile, { force: true });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  if (code !== 0) throw new Error(`smgr ${args.join(' ')} failed (exit ${code}):\n${stderr}\n${last}`);
  return { seconds, peakRss, cpuSeconds, result: JSON.parse(last) };
}
