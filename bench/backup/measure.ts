/**
 * Runs one command in a fresh process and measures it: wall time (from
 * spawn to exit, as a user waits for it), peak RSS and CPU time of the
 * process (GNU time's %M %U %S, else the highest VmHWM polled from
 * /proc/<pid>/status and no CPU time). Before each run it waits, for a
 * bounded time, until the machine is quiet (other processes' CPU use),
 * and records how busy it was.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Measured {
  seconds: number;
  /** Peak resident set size of the measured process, in bytes (0 when unknown). */
  peakRss: number;
  /** User + system CPU seconds of the measured process (NaN when unknown). */
  cpuSeconds: number;
  /** Share of all cores busy in the second before the run (other processes). */
  busyBefore: number;
  stdout: string;
}

const GNU_TIME = '/usr/bin/time';
export const hasGnuTime = (): boolean => {
  try {
    fs.accessSync(GNU_TIME, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

export interface MeasureOptions {
  /** The child's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Wait for a quiet machine first (default true; bench/dw measures steps of one run back to back). */
  waitQuiet?: boolean;
}

export async function measure(
  command: string,
  args: string[],
  label: string,
  o: MeasureOptions = {},
): Promise<Measured> {
  const busyBefore = o.waitQuiet === false ? Number.NaN : await waitForQuiet();
  const useTime = hasGnuTime();
  const rssFile = path.join(os.tmpdir(), `smgr-bench-rss-${process.pid}-${Date.now()}`);
  const [cmd, argv] = useTime
    ? [GNU_TIME, ['-f', '%M %U %S', '-o', rssFile, command, ...args]]
    : [command, args];
  const started = process.hrtime.bigint();
  const child = spawn(cmd, argv, { env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  let polled = 0;
  const poll = useTime
    ? undefined
    : setInterval(() => {
        polled = Math.max(polled, vmHwm(child.pid));
      }, 50);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (poll) clearInterval(poll);
  let peakRss = polled;
  let cpuSeconds = Number.NaN;
  if (useTime) {
    const text = fs.existsSync(rssFile) ? fs.readFileSync(rssFile, 'utf8') : '';
    fs.rmSync(rssFile, { force: true });
    const [kb, user, system] = (text.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
    if (Number.isFinite(kb)) peakRss = kb! * 1024;
    if (Number.isFinite(user) && Number.isFinite(system)) cpuSeconds = user! + system!;
  }
  if (code !== 0) {
    throw new Error(`${label} failed (exit ${code}): ${command} ${args.join(' ')}\n${stderr}\n${stdout}`);
  }
  return { seconds, peakRss, cpuSeconds, busyBefore, stdout };
}

/** Busy share of all cores over `ms` (from /proc/stat), NaN where there is none. */
async function busyShare(ms: number): Promise<number> {
  const read = () => {
    try {
      const cpu = fs
        .readFileSync('/proc/stat', 'utf8')
        .split('\n')[0]!
        .trim()
        .split(/\s+/)
        .slice(1)
        .map(Number);
      const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
      return { idle, total: cpu.reduce((a, b) => a + b, 0) };
    } catch {
      return undefined;
    }
  };
  const a = read();
  await new Promise((r) => setTimeout(r, ms));
  const b = read();
  if (!a || !b || b.total === a.total) return Number.NaN;
  return 1 - (b.idle - a.idle) / (b.total - a.total);
}

/** A bench on a shared machine: wait (up to QUIET_WAIT_S) until under QUIET_BUSY of the cores are busy. */
const QUIET_BUSY = 0.15;
const QUIET_WAIT_S = Number(process.env.SMGR_BENCH_QUIET_WAIT_S ?? 60);
export const contended = (m: Measured) => m.busyBefore > QUIET_BUSY;

async function waitForQuiet(): Promise<number> {
  const started = Date.now();
  let said = false;
  for (;;) {
    const busy = await busyShare(1000);
    if (!(busy > QUIET_BUSY) || Date.now() - started > QUIET_WAIT_S * 1000) return busy;
    if (!said) process.stderr.write(`  (machine busy: ${(busy * 100).toFixed(0)}% of the cores; waiting)\n`);
    said = true;
  }
}

/** VmHWM of a running process (bytes), 0 if it is gone. */
export function vmHwm(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
