/**
 * Where write-archive.ts puts the encrypted bytes of one archive: a local
 * file (fileSink, here) or an S3 multipart upload (s3-archive-stream.ts).
 * A sink takes the stream, then either commits (the bytes are durable — the
 * file fsynced, the upload completed — and it answers their size) or
 * aborts (nothing of the archive remains: the file removed, the multipart
 * upload aborted).
 *
 * Crash (kill -9): a file sink leaves its (`*.partial`) file, a bucket sink
 * an incomplete multipart upload; neither is ever listed as an archive, and
 * the next backup of the group removes them.
 */
import fs from 'node:fs';
import type { Writable } from 'node:stream';

export interface ArchiveSink {
  /** The bytes go here (with backpressure). */
  readonly stream: Writable;
  /** Bytes taken so far (progress). */
  bytesWritten(): number;
  /** After the stream finished: makes the bytes durable; answers their size. */
  commit(): Promise<number>;
  /** After a failure: leaves nothing of the archive behind. */
  abort(): Promise<void>;
}

/** A new local file (refused if it exists), fsynced on commit, removed on abort. */
export function fileSink(file: string): ArchiveSink {
  const out = fs.createWriteStream(file, { mode: 0o600, flags: 'wx' });
  return {
    stream: out,
    bytesWritten: () => out.bytesWritten,
    async commit() {
      fsyncFile(file);
      return fs.statSync(file).size;
    },
    async abort() {
      out.destroy();
      fs.rmSync(file, { force: true });
    },
  };
}

export function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
