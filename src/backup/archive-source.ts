/**
 * Where a reader (verify, drill, restore, recover) takes an archive's bytes
 * from: a local path as always, or an `s3://BUCKET/KEY.smbak` URL streamed
 * from the bucket (s3-archive-stream.ts; endpoint from config backups.s3 or
 * SMGR_S3_ENDPOINT, credentials from the SDK's standard chain). Locally it
 * writes nothing; in the bucket each read puts a reader mark beside the
 * archive for as long as it streams (docs/FORMAT.md §5, s3-reader-mark.ts),
 * so a prune of the bucket keeps the archive meanwhile.
 *
 * Order of one bucket read: HEAD the archive (a missing object or a refusal
 * fails here, and no mark is written), put the mark, GET the archive; the
 * mark is deleted when the stream closes (read to the end, failed or
 * destroyed) or when the GET fails. Crash: a mark that expires (FORMAT §5).
 */
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { SmgrError } from '../errors/smgr-error.js';
import type { Progress } from './progress.js';
import type { ReadArchiveOptions } from './read-archive.js';
import { isS3Url, parseS3Url, type S3Settings, s3EndpointOf } from './s3-url.js';

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
    open: async () => {
      // The SDK is loaded only for a bucket (s3-url.ts says what it costs a local restore).
      const [{ s3Client }, { placeReaderMark }, { openS3Archive }] = await Promise.all([
        import('./s3-target.js'),
        import('./s3-reader-mark.js'),
        import('./s3-archive-stream.js'),
      ]);
      const client = s3Client(s3);
      await s3ArchiveSize(client, file, endpoint);
      const mark = await placeReaderMark(client, file);
      if (mark.missing) {
        progress?.report({
          phase: 'step',
          message: `no reader mark beside ${file}: ${mark.missing}; a prune of the bucket meanwhile could delete it`,
          tablesDone: 0,
          tablesTotal: 0,
        });
      }
      try {
        const { stream } = await openS3Archive(client, file, { progress, endpoint });
        stream.once('close', () => void mark.release());
        return stream;
      } catch (e) {
        await mark.release();
        throw e;
      }
    },
  };
}

/** The archive's size in the bucket (HEAD): a missing object or a refusal is a registry error. */
export async function s3ArchiveSize(client: S3Client, url: string, endpoint?: string): Promise<number> {
  const at = parseS3Url(url);
  const key = at.prefix.replace(/\/$/, '');
  if (!key.endsWith('.smbak'))
    throw new SmgrError('USAGE', { detail: `${url} does not name an .smbak archive` });
  const [{ HeadObjectCommand }, { s3Error }] = await Promise.all([
    import('@aws-sdk/client-s3'),
    import('./s3-errors.js'),
  ]);
  try {
    const r = await client.send(new HeadObjectCommand({ Bucket: at.bucket, Key: key }));
    return r.ContentLength ?? 0;
  } catch (e) {
    throw s3Error(e, { bucket: at.bucket, url, endpoint });
  }
}
