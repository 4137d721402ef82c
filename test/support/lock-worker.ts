/**
 * An opener run as its own process by the lock race test
 * (src/files/file-lock.test.ts), driven over the IPC channel:
 *   {op: 'take', path, at}  try lockFile(path) at time `at` (epoch ms);
 *                           answers {won: true} or {won: false, code, pid}
 *   {op: 'release'}         releases the lock it holds; answers {released: true}
 * With argv[2] = a lock path instead, it takes that lock, prints LOCKED and
 * holds it until killed.
 */
import { type FileLock, lockFile } from '../../src/files/file-lock.js';

class Busy extends Error {
  readonly code = 'BUSY';
  constructor(readonly pid: number | string) {
    super(`held by process ${pid}`);
  }
}

type Command = { op: 'take'; path: string; at: number } | { op: 'release' };

const send = (m: object) => process.send?.(m);
let held: FileLock | undefined;

async function take(lockPath: string): Promise<void> {
  try {
    held = await lockFile(lockPath, (pid) => new Busy(pid));
    send({ won: true });
  } catch (e) {
    const err = e as { code?: string; pid?: number | string; message?: string };
    send({ won: false, code: err.code ?? err.message, pid: err.pid });
  }
}

if (process.argv[2]) {
  held = await lockFile(process.argv[2], (pid) => new Busy(pid));
  process.stdout.write('LOCKED\n');
  setInterval(() => {}, 60_000); // hold until killed
} else {
  process.on('message', (m: Command) => {
    if (m.op === 'take') setTimeout(() => void take(m.path), Math.max(0, m.at - Date.now()));
    else {
      held?.release();
      held = undefined;
      send({ released: true });
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ ready: true });
}
