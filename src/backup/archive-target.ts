/**
 * Where createBackup puts an archive (docs/FORMAT.md §2.6): a local
 * directory — written to `<stem>.smbak.partial`, fsynced, summary, renamed
 * to `<stem>.smbak` — or an S3 bucket, `s3://BUCKET[/PREFIX]`, written as
 * one streamed multipart upload (no local copy) that becomes visible when
 * complete, then its summary `<stem>.smbak.json` (so a listed summary
 * always has its whole archive; an archive without one is listed as
 * unsummarized and never judged by prune).
 *
 * Crash: a directory keeps at most a `.partial` file (or a summary without
 * its archive); a bucket an incomplete multipart upload (invisible) or an
 * archive without its summary. clean() — the next backup of the group,
 * under the group's backup lock — removes the former, aborts the latter's
 * upload.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir } from '../files/atomic-write.js';
import { type ArchiveSink, fileSink, fsyncFile } from './archive-sink.js';
import { removeLeftovers } from './backup-catalog.js';
import type { Progress } from './progress.js';
import { abortLeftoverUploads, bucketSink, checkBucket, putObject } from './s3-archive-stream.js';
import { s3Error } from './s3-errors.js';
import { isS3Url, parseS3Url, type S3Settings, s3Client, s3EndpointOf } from './s3-target.js';

export interface ArchiveTarget {
  /** The archive's final name: a path, or an s3:// URL. */
  locate(stem: string): string;
  /** Before anything is read: the target is usable (else a registry error, nothing written). */
  prepare(): Promise<void>;
  /** Under the group's backup lock: what interrupted backups of the group left is removed. */
  clean(groupName: string): Promise<void>;
  sink(stem: string, progress: Progress): ArchiveSink;
  /** After the sink committed: the summary, and the archive made final. */
  commit(stem: string, summary: string): Promise<void>;
}

export function archiveTarget(directory: string, s3?: S3Settings): ArchiveTarget {
  return isS3Url(directory) ? bucketTarget(directory, s3) : directoryTarget(directory);
}

const groupPrefix = (groupName: string) => `${groupName.replace(/[^A-Za-z0-9-]/g, '-')}-`;

function directoryTarget(directory: string): ArchiveTarget {
  const final = (stem: string) => path.join(directory, `${stem}.smbak`);
  return {
    locate: final,
    async prepare() {
      fs.mkdirSync(directory, { recursive: true, mode: 0o700 });
    },
    async clean(groupName) {
      removeLeftovers(directory, groupName);
    },
    sink: (stem) => fileSink(`${final(stem)}.partial`),
    async commit(stem, summary) {
      fs.writeFileSync(`${final(stem)}.json`, summary, { mode: 0o600 });
      fsyncFile(`${final(stem)}.json`);
      fs.renameSync(`${final(stem)}.partial`, final(stem)); // the commit point: only now is there a .smbak
      fsyncDir(directory);
    },
  };
}

function bucketTarget(url: string, s3?: S3Settings): ArchiveTarget {
  const at = parseS3Url(url);
  const client = s3Client(s3);
  const endpoint = s3EndpointOf(s3);
  return {
    locate: (stem) => `s3://${at.bucket}/${at.prefix}${stem}.smbak`,
    prepare: () => checkBucket(client, at, endpoint),
    async clean(groupName) {
      try {
        await abortLeftoverUploads(client, at, groupPrefix(groupName));
      } catch (e) {
        throw s3Error(e, { bucket: at.bucket, endpoint });
      }
    },
    sink: (stem, progress) => bucketSink(client, at, `${stem}.smbak`, { progress, endpoint }),
    commit: (stem, summary) => putObject(client, at, `${stem}.smbak.json`, Buffer.from(summary), endpoint),
  };
}
