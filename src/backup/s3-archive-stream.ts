/**
 * Archives streamed to and from an S3 bucket (issue 13 item 3), with no
 * local copy: bucketSink() takes the archive writer's encrypted bytes into
 * one multipart upload (@aws-sdk/lib-storage Upload over a stream body:
 * 8 MiB parts, two in flight, so memory stays near 3 parts whatever the
 * archive's size), and openS3Archive() hands the reader a GetObject body
 * (restore, verify and drill read an archive once, front to back: no
 * random access, no temporary file). Uploads and downloads report progress
 * (bytes so far) through src/backup/progress.ts.
 *
 * Guarantees: S3 makes the object visible only when CompleteMultipartUpload
 * succeeds, after the last byte; a failed or aborted sink aborts the
 * multipart upload (and any other incomplete upload of the same key), so
 * it leaves no object and no parts. Every SDK failure becomes a registry
 * error (s3-errors.ts).
 *
 * Crash (kill -9 mid-upload): an incomplete multipart upload, invisible to
 * list, verify and prune; the next backup of the group to that prefix
 * aborts it (abortLeftoverUploads, under the group's backup lock).
 */
import { PassThrough, type Readable, Transform, Writable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  type ListMultipartUploadsCommandOutput,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { SmgrError } from '../errors/smgr-error.js';
import type { ArchiveSink } from './archive-sink.js';
import type { Progress } from './progress.js';
import { s3Error } from './s3-errors.js';
import { parseS3Url, type S3Location } from './s3-target.js';

export const PART_BYTES = 8 * 1024 * 1024;
export const PARTS_IN_FLIGHT = 2;

const mib = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MiB`;

/** Preflight: the bucket exists and these credentials may use it (else a registry error; nothing written). */
export async function checkBucket(client: S3Client, at: S3Location, endpoint?: string): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: at.bucket }));
  } catch (e) {
    throw s3Error(e, { bucket: at.bucket, endpoint });
  }
}

/** One multipart upload of `key`, fed by the returned sink's stream. */
export function bucketSink(
  client: S3Client,
  at: S3Location,
  name: string,
  o: { progress?: Progress; endpoint?: string } = {},
): ArchiveSink {
  const key = `${at.prefix}${name}`;
  const url = `s3://${at.bucket}/${key}`;
  // The upload reads `body`; the writer writes `stream`. Destroying `stream` (the writer's failure
  // path) never ends `body`, so a failure can never complete the upload with a truncated archive.
  const body = new PassThrough({ highWaterMark: 1024 * 1024 });
  let taken = 0;
  const stream = new Writable({
    highWaterMark: 1024 * 1024,
    write(chunk: Buffer, _enc, cb) {
      taken += chunk.length;
      if (body.write(chunk)) cb();
      else body.once('drain', () => cb());
    },
    final(cb) {
      body.end();
      cb();
    },
  });
  const upload = new Upload({
    client,
    params: { Bucket: at.bucket, Key: key, Body: body, ContentType: 'application/octet-stream' },
    queueSize: PARTS_IN_FLIGHT,
    partSize: PART_BYTES,
    leavePartsOnError: false,
  });
  upload.on('httpUploadProgress', (p) => {
    if (p.loaded === undefined) return;
    o.progress?.report({
      phase: 'step',
      message: `uploaded ${mib(p.loaded)} to ${url}`,
      archiveBytes: p.loaded,
      tablesDone: 0,
      tablesTotal: 0,
    });
  });
  const done = upload.done();
  done.catch(() => {}); // awaited by commit or abort
  return {
    stream,
    bytesWritten: () => taken,
    async commit() {
      try {
        await done;
      } catch (e) {
        await abortUploadsOf(client, at.bucket, key).catch(() => {});
        throw s3Error(e, { bucket: at.bucket, endpoint: o.endpoint });
      }
      return taken;
    },
    async abort() {
      // The feeder fails, lib-storage aborts its multipart upload and then rejects `done`.
      body.destroy(new Error('the archive writer failed'));
      await done.catch(() => {});
      await abortUploadsOf(client, at.bucket, key).catch(() => {});
    },
  };
}

/** Puts a small object whole (an archive's summary). */
export async function putObject(
  client: S3Client,
  at: S3Location,
  name: string,
  data: Buffer,
  endpoint?: string,
): Promise<void> {
  try {
    await client.send(
      new PutObjectCommand({
        Bucket: at.bucket,
        Key: `${at.prefix}${name}`,
        Body: data,
        ContentType: 'application/json',
      }),
    );
  } catch (e) {
    throw s3Error(e, { bucket: at.bucket, endpoint });
  }
}

/**
 * Aborts the incomplete multipart uploads whose key starts with `${prefix}${namePrefix}` (left by a
 * killed backup of one group); answers their keys. Call it only under the group's backup lock.
 */
export async function abortLeftoverUploads(
  client: S3Client,
  at: S3Location,
  namePrefix: string,
): Promise<string[]> {
  const aborted: string[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  do {
    let r: ListMultipartUploadsCommandOutput;
    try {
      r = await client.send(
        new ListMultipartUploadsCommand({
          Bucket: at.bucket,
          Prefix: `${at.prefix}${namePrefix}`,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
      );
    } catch (e) {
      // A service that cannot list them (some S3-compatible ones) leaves them to its lifecycle rules.
      if (unsupported(e)) return aborted;
      throw e;
    }
    for (const u of r.Uploads ?? []) {
      if (!u.Key?.endsWith('.smbak')) continue;
      await client.send(
        new AbortMultipartUploadCommand({ Bucket: at.bucket, Key: u.Key, UploadId: u.UploadId }),
      );
      aborted.push(u.Key);
    }
    keyMarker = r.IsTruncated ? r.NextKeyMarker : undefined;
    uploadIdMarker = r.IsTruncated ? r.NextUploadIdMarker : undefined;
  } while (keyMarker);
  return aborted;
}

/** The service does not implement the request (501 NotImplemented, 405 MethodNotAllowed). */
function unsupported(e: unknown): boolean {
  const x = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    x?.name === 'NotImplemented' ||
    x?.name === 'MethodNotAllowed' ||
    x?.$metadata?.httpStatusCode === 501 ||
    x?.$metadata?.httpStatusCode === 405
  );
}

async function abortUploadsOf(client: S3Client, bucket: string, key: string): Promise<void> {
  const r = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
  for (const u of r.Uploads ?? []) {
    if (u.Key !== key) continue;
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: u.UploadId }));
  }
}

/**
 * The archive at `url`, streamed from the bucket (one GetObject), with its size; reports the bytes
 * read as progress. A missing object, bucket or permission is a registry error before any byte.
 */
export async function openS3Archive(
  client: S3Client,
  url: string,
  o: { progress?: Progress; endpoint?: string } = {},
): Promise<{ stream: Readable; size: number }> {
  const at = parseS3Url(url);
  const key = at.prefix.replace(/\/$/, '');
  if (!key.endsWith('.smbak'))
    throw new SmgrError('USAGE', { detail: `${url} does not name an .smbak archive` });
  let r: GetObjectCommandOutput;
  try {
    r = await client.send(new GetObjectCommand({ Bucket: at.bucket, Key: key }));
  } catch (e) {
    throw s3Error(e, { bucket: at.bucket, url, endpoint: o.endpoint });
  }
  const size = r.ContentLength ?? 0;
  let read = 0;
  let reported = 0;
  const report = () => {
    reported = read;
    o.progress?.report({
      phase: 'step',
      message: `downloaded ${mib(read)}${size ? ` of ${mib(size)}` : ''} from ${url}`,
      archiveBytes: read,
      tablesDone: 0,
      tablesTotal: 0,
    });
  };
  const counted = new Transform({
    highWaterMark: 1024 * 1024,
    transform(chunk: Buffer, _enc, cb) {
      read += chunk.length;
      if (read - reported >= PART_BYTES) report();
      cb(null, chunk);
    },
    flush(cb) {
      report();
      cb();
    },
  });
  const source = r.Body as Readable;
  source.on('error', (e) =>
    counted.destroy(s3Error(e, { bucket: at.bucket, url, endpoint: o.endpoint }) as Error),
  );
  counted.on('close', () => source.destroy());
  return { stream: source.pipe(counted), size };
}
