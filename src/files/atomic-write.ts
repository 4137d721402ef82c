/**
 * Atomic file replacement: write a temp file in the same directory, fsync it,
 * rename it over the target, fsync the directory. A crash leaves either the
 * old file or the new one, plus at worst a `.tmp-<name>-<pid>-<random>` file
 * that readers ignore and removeStaleTemps() removes once its writer is dead.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isAlive } from './file-lock.js';

const tempPrefix = (target: string) => `.tmp-${path.basename(target)}-`;

export function writeFileAtomic(
  target: string,
  data: string | Uint8Array,
  options: { mode?: number; exclusive?: boolean } = {},
): void {
  const dir = path.dirname(target);
  const tmp = path.join(dir, `${tempPrefix(target)}${process.pid}-${randomBytes(6).toString('hex')}`);
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

/**
 * Removes the temp files that writeFileAtomic() left in `dir` when its
 * process died before finishing (for `target` only, when given): those
 * whose writer's pid is no longer alive. Answers the names removed.
 */
export function removeStaleTemps(dir: string, target?: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(target ? tempPrefix(target) : '.tmp-')) continue;
    const m = /-(\d+)-[0-9a-f]{12}$/.exec(name);
    if (!m || isAlive(Number(m[1]))) continue;
    fs.rmSync(path.join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}
