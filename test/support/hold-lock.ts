/**
 * Holds a lock (src/files/file-lock.ts) in another process, as a second smgr
 * would: test/support/lock-worker.ts started on the lock path, resolved once
 * it holds the lock. kill() ends it (SIGKILL by default, like a crash) and
 * resolves when it has exited, which is when the kernel has freed the lock.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const WORKER = path.resolve('dist/test/support/lock-worker.js');

export interface LockHolder {
  pid: number;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function holdLock(lockPath: string): Promise<LockHolder> {
  const child = spawn(process.execPath, [WORKER, lockPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('LOCKED') && resolve());
    child.on('exit', (code) =>
      reject(new Error(`the lock holder exited (${code}) before locking ${lockPath}`)),
    );
  });
  return {
    pid: child.pid!,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
