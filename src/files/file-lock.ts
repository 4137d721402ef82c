/**
 * An exclusive lock held by one process, which the kernel releases when that
 * process dies. Used for an embedded database directory (PGlite does not guard
 * against a second opener, and two writers corrupt the directory), for
 * `<home>/server.pid` (one `smgr serve` per home) and for `<home>/backup.lock`.
 *
 * How: while the lock is held, the process keeps a Unix socket bound to a
 * Linux abstract-namespace address, `\0smgr-lock-<sha256>`, the hash taken of
 * the lock file's identity (device and inode of its directory, plus its name,
 * so every path to the same directory, through symlinks or bind mounts, names
 * the same lock). bind(2) is atomic: of any number of openers exactly one gets
 * the address, the others EADDRINUSE. The kernel frees the address when the
 * socket closes, and closes it when the process exits however it exits
 * (kill -9, OOM): there is no stale lock to detect and take over, hence no
 * race between openers taking one over, and a recycled pid cannot keep a lock
 * held. The file at the lock path holds the holder's pid only so a refusal
 * can name it ("in use by process N"): it is written after the bind, replaced
 * atomically (rename), never consulted to decide who holds the lock.
 *
 * Why not the alternatives: Node has no flock(2)/fcntl(2) without a native
 * addon; an O_EXCL pid file needs a stale-lock takeover, and takeover by
 * remove-and-create lets two openers both win (the bug this replaced), while
 * rename-and-recheck cannot put back a fresh lock it took by mistake without
 * the same window (no compare-and-swap rename in Node); and a pid says
 * nothing across pid namespaces or after the pid is recycled.
 *
 * Limits: Linux only (abstract sockets). Abstract addresses are per network
 * namespace: processes in different network namespaces (containers with their
 * own network) sharing one volume do not see each other's lock — run one
 * smgr per home. Containers of one pod share the namespace and are guarded.
 * Like flock, it guards processes of one kernel, not hosts sharing a network
 * file system. Within one process a second lock of the same path is refused.
 *
 * Crash: the socket goes with the process; the pid file stays, naming a dead
 * process, and the next holder overwrites it.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { SmgrError } from '../errors/smgr-error.js';

export interface FileLock {
  /** The pid file beside the lock (display only). */
  readonly path: string;
  /** Releases the lock; the next opener can take it as soon as this returns. */
  release(): void;
}

export function lockDirectory(dataDir: string): Promise<FileLock> {
  return lockFile(`${dataDir}.lock`, (pid) => new SmgrError('DATABASE_LOCKED', { path: dataDir, pid }));
}

/** Takes the lock named by `lockPath`, or throws `busy(pid of the holder, or 'unknown')`. */
export async function lockFile(lockPath: string, busy: (pid: number | string) => Error): Promise<FileLock> {
  if (process.platform !== 'linux') {
    throw new Error(
      `smgr locks (${lockPath}) need Linux abstract Unix sockets; ${process.platform} has none`,
    );
  }
  const server = net.createServer((connection) => connection.destroy());
  try {
    await bind(server, lockAddress(lockPath));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    throw busy(await holderPid(lockPath));
  }
  server.unref(); // a held lock does not keep the process alive by itself
  server.on('error', () => {}); // nothing to report once bound: the address stays ours until close
  try {
    writePid(lockPath);
  } catch (e) {
    server.close();
    throw e;
  }
  let held = true;
  return {
    path: lockPath,
    release() {
      if (!held) return;
      held = false;
      // The pid file goes first, while the lock is still ours: no next holder's file to remove by mistake.
      if (readPid(lockPath) === process.pid) fs.rmSync(lockPath, { force: true });
      server.close();
    },
  };
}

/** The abstract socket address of a lock: the same for every path to the same directory entry. */
export function lockAddress(lockPath: string): string {
  const dir = fs.statSync(path.dirname(lockPath), { bigint: true });
  const identity = `${dir.dev}:${dir.ino}/${path.basename(lockPath)}`;
  return `\0smgr-lock-${createHash('sha256').update(identity).digest('hex')}`;
}

function bind(server: net.Server, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ path: address, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** The holder writes its pid right after binding: wait briefly for it to name a live process. */
async function holderPid(lockPath: string): Promise<number | string> {
  const deadline = Date.now() + 500;
  for (;;) {
    const pid = readPid(lockPath);
    if (pid !== undefined && isAlive(pid)) return pid;
    if (Date.now() >= deadline) return 'unknown';
    await new Promise((r) => setTimeout(r, 10));
  }
}

function writePid(lockPath: string): void {
  const tmp = path.join(
    path.dirname(lockPath),
    `.tmp-${path.basename(lockPath)}-${randomBytes(6).toString('hex')}`,
  );
  fs.writeFileSync(tmp, `${process.pid}\n`, { mode: 0o600 });
  fs.renameSync(tmp, lockPath);
}

function readPid(lockPath: string): number | undefined {
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
