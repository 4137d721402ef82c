/**
 * Atomic file replacement: write a temp file in the same directory, fsync it,
 * rename it over the target, fsync the directory. A crash leaves either the
 * old file or the new one, plus at worst a `.tmp-*` file that readers ignore.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export function writeFileAtomic(
  target: string,
  data: string | Uint8Array,
  options: { mode?: number; exclusive?: boolean } = {},
): void {
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.tmp-${path.basename(target)}-${randomBytes(6).toString('hex')}`);
  const fd = fs.openSync(tmp, 'wx', options.mode ?? 0o600);
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    if (options.exclusive) {
      // link() fails if the target exists: no check-then-rename race.
      fs.linkSync(tmp, target);
      fs.rmSync(tmp);
    } else {
      fs.renameSync(tmp, target);
    }
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(dir);
}

export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
