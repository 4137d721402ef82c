/**
 * What prune-backups.ts needs to prune a bucket instead of a directory
 * (issue 13): the archives listed from `s3://BUCKET/PREFIX`, each deletion
 * its summary then its archive, and the reader marks under the prefix
 * (docs/FORMAT.md §5: an archive being read is kept, stale marks deleted).
 * One helper for the management server's and the data warehouse's prunes,
 * by hand and scheduled. Endpoint from config backups.s3 or
 * SMGR_S3_ENDPOINT; credentials from the SDK's standard chain.
 */
import type { PruneOptions } from './prune-backups.js';
import { readerMarks } from './s3-reader-mark.js';
import {
  deleteS3Archive,
  listS3Backups,
  parseS3Url,
  type S3Settings,
  s3Client,
  s3EndpointOf,
} from './s3-target.js';

export function bucketPruneTarget(
  url: string,
  s3?: S3Settings,
): Required<Pick<PruneOptions, 'directory' | 'list' | 'remove' | 'readers'>> {
  const client = s3Client(s3);
  const at = parseS3Url(url);
  const endpoint = s3EndpointOf(s3);
  return {
    directory: url,
    list: () => listS3Backups(client, at),
    remove: (file) => deleteS3Archive(client, file),
    readers: (deleteStale) => readerMarks(client, at, { endpoint, deleteStale }),
  };
}
