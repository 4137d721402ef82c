/**
 * An exclusive lock on an embedded database directory, held by one process.
 * The lock is a file `<dir>.lock` beside the data directory, created with
 * O_EXCL and holding the owner's pid. A lock whose process is gone (kill -9,
 * power loss) is stale and taken over. PGlite itself does not guard against a
 * second opener, and two writers would corrupt the directory: this is the guard.
 *
 * Crash: leaves the lock file; the next opener sees its pid is dead and takes it.
 */
import fs from 'node:fs';
import { SmgrError } from '../errors/smgr-error.js';

export interface DirectoryLock {
  readonly path: string;
  release(): void;
}

export function lockDirectory(dataDir: string): DirectoryLock {
  return lockFile(`${dataDir}.lock`, (pid) => new SmgrError('DATABASE_LOCKED', { path: dataDir, pid }));
}

/** An O_EXCL pid file: taken over when its owner is dead, else `busy(pid)` is thrown. */
export function lockFile(lockPath: string, busy: (pid: number | string) => Error): DirectoryLock {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(lockPath, 'wx', 0o600);
      fs.writeSync(fd, `${process.pid}\n`);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      return { path: lockPath, release: () => releaseIfOurs(lockPath) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = readOwner(lockPath);
      if (owner !== undefined && (owner === process.pid || isAlive(owner))) throw busy(owner);
      // Stale: its owner died. Remove and try again.
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw busy(readOwner(lockPath) ?? 'unknown');
}

export function readOwner(lockPath: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseIfOurs(lockPath: string): void {
  if (readOwner(lockPath) === process.pid) fs.rmSync(lockPath, { force: true });
}
