/**
 * Where a reader (verify, drill, restore, recover) takes an archive's bytes
 * from: a local path as always, or an `s3://BUCKET/KEY.smbak` URL streamed
 * from the bucket (s3-archive-stream.ts; endpoint from config backups.s3 or
 * SMGR_S3_ENDPOINT, credentials from the SDK's standard chain). It reads;
 * it writes nothing, locally or in the bucket.
 */
import path from 'node:path';
import type { Progress } from './progress.js';
import type { ReadArchiveOptions } from './read-archive.js';
import { openS3Archive } from './s3-archive-stream.js';
import { isS3Url, parseS3Url, type S3Settings, s3Client, s3EndpointOf } from './s3-target.js';

export interface ArchiveSource {
  /** The path (resolved) or the s3:// URL, as messages and evidence name it. */
  file: string;
  /** Set for a bucket: readArchive opens the object instead of a file. */
  open?: ReadArchiveOptions['open'];
  remote: boolean;
}

export function archiveSource(file: string, s3?: S3Settings, progress?: Progress): ArchiveSource {
  if (!isS3Url(file)) return { file: path.resolve(file), remote: false };
  parseS3Url(file);
  const endpoint = s3EndpointOf(s3);
  return {
    file,
    remote: true,
    open: async () => (await openS3Archive(s3Client(s3), file, { progress, endpoint })).stream,
  };
}
