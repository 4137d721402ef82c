/**
 * Archives in use (issue 13 item 2): a reader (drill, verify) marks the
 * archive it reads with `<archive>.reading-<pid>` beside it, so prune never
 * deletes an archive being read. A marker whose process is gone counts for
 * nothing (kill -9 leaves one behind; the next use or prune of that archive
 * removes it). An archive in an S3 bucket has no process to ask: its readers
 * put an expiring reader mark beside it instead (s3-reader-mark.ts, FORMAT §5).
 */
import fs from 'node:fs';
import path from 'node:path';
import { isAlive } from '../files/file-lock.js';

const MARK = '.reading-';

/** Marks `file` as being read until the returned function is called. */
export function useArchive(file: string): () => void {
  const marker = `${file}${MARK}${process.pid}`;
  fs.writeFileSync(marker, '', { mode: 0o600 });
  return () => fs.rmSync(marker, { force: true });
}

/** True when a live process reads `file`; removes the markers of dead ones. */
export function archiveInUse(file: string): boolean {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}${MARK}`;
  let busy = false;
  for (const n of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (!n.startsWith(prefix)) continue;
    const pid = Number(n.slice(prefix.length));
    if (Number.isInteger(pid) && isAlive(pid)) busy = true;
    else fs.rmSync(path.join(dir, n), { force: true });
  }
  return busy;
}
