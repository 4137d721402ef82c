/**
 * S3-compatible object storage as a backup target (issue 13 item 3), through
 * @aws-sdk/client-s3: `s3://BUCKET/PREFIX` names a "directory" of archives.
 * Credentials and region come from the SDK's standard chain (environment,
 * shared config files, instance roles) — never from config.json, which only
 * names the endpoint of a non-AWS service and path-style addressing.
 *
 * This file lists, prunes, and copies whole files (smgr backup upload and
 * fetch); the archive writer and readers stream to and from the bucket
 * through s3-archive-stream.ts, with no local file. SDK failures become
 * registry errors (s3-errors.ts).
 *
 * Guarantees: an archive is uploaded as one streamed upload
 * (@aws-sdk/lib-storage: multipart above one part, parts in flight bounded),
 * and S3 makes an object visible only once its upload completes, so a kill
 * -9 mid-upload leaves no archive in the bucket (at most an incomplete
 * multipart upload, which S3 bills until a lifecycle rule or
 * abortIncompleteUploads() removes it). The summary goes up after its
 * archive, so a listed summary always has its whole archive; list shows the
 * `.smbak` objects whose summary is present and readable, else marks them
 * unsummarized, as backup-catalog.ts does for a directory.
 *
 * Crash: an incomplete multipart upload (invisible) or an archive without
 * its summary (listed as unsummarized; prune ignores it).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { SmgrError } from '../errors/smgr-error.js';
import { SUMMARY_FORMAT } from './archive-format.js';
import type { BackupListEntry } from './backup-catalog.js';
import { s3Error } from './s3-errors.js';
import { parseS3Url, type S3Location, type S3Settings } from './s3-url.js';

export { isS3Url, parseS3Url, type S3Location, type S3Settings, s3EndpointOf } from './s3-url.js';

/** A client from the SDK's standard credential and region chain; the endpoint only for S3-compatible services. */
export function s3Client(s: S3Settings = {}): S3Client {
  return new S3Client({
    endpoint: s.endpoint ?? process.env.SMGR_S3_ENDPOINT,
    forcePathStyle: s.forcePathStyle ?? (s.endpoint ?? process.env.SMGR_S3_ENDPOINT) !== undefined,
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    // Checksums only where S3 requires them: S3-compatible services differ in the newer ones.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Uploads a whole local archive and then its summary, streamed. Answers the archive's URL. */
export async function uploadArchive(client: S3Client, to: S3Location, file: string): Promise<string> {
  try {
    return await uploadWhole(client, to, file);
  } catch (e) {
    throw s3Error(e, { bucket: to.bucket, endpoint: await endpointOf(client) });
  }
}

async function uploadWhole(client: S3Client, to: S3Location, file: string): Promise<string> {
  const name = path.basename(file);
  await new Upload({
    client,
    params: { Bucket: to.bucket, Key: `${to.prefix}${name}`, Body: fs.createReadStream(file) },
    queueSize: 2,
    partSize: 8 * 1024 * 1024,
    leavePartsOnError: false,
  }).done();
  if (fs.existsSync(`${file}.json`)) {
    await new Upload({
      client,
      params: { Bucket: to.bucket, Key: `${to.prefix}${name}.json`, Body: fs.readFileSync(`${file}.json`) },
    }).done();
  }
  return `s3://${to.bucket}/${to.prefix}${name}`;
}

/** The whole archives under the prefix, newest first (as listBackups for a directory). */
export async function listS3Backups(client: S3Client, at: S3Location): Promise<BackupListEntry[]> {
  try {
    return await listObjects(client, at);
  } catch (e) {
    throw s3Error(e, { bucket: at.bucket, endpoint: await endpointOf(client) });
  }
}

/** The endpoint a client was made for (messages), undefined for AWS S3. */
async function endpointOf(client: S3Client): Promise<string | undefined> {
  const e = await client.config.endpoint?.();
  return e ? `${e.protocol}//${e.hostname}${e.port ? `:${e.port}` : ''}` : undefined;
}

async function listObjects(client: S3Client, at: S3Location): Promise<BackupListEntry[]> {
  const objects = new Map<string, { size: number; modified: Date }>();
  let token: string | undefined;
  do {
    const r = await client.send(
      new ListObjectsV2Command({ Bucket: at.bucket, Prefix: at.prefix, ContinuationToken: token }),
    );
    for (const o of r.Contents ?? [])
      if (o.Key) objects.set(o.Key, { size: o.Size ?? 0, modified: o.LastModified ?? new Date(0) });
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
  } while (token);
  const entries: BackupListEntry[] = [];
  for (const [key, o] of objects) {
    if (!key.endsWith('.smbak') || key.slice(at.prefix.length).includes('/')) continue;
    const file = `s3://${at.bucket}/${key}`;
    const summary = objects.has(`${key}.json`)
      ? await readSummary(client, at.bucket, `${key}.json`)
      : undefined;
    entries.push(
      summary
        ? {
            file,
            size: o.size,
            createdAt: summary.createdAt,
            managementGroup: summary.managementGroup,
            databases: summary.databases,
            summarized: true,
          }
        : {
            file,
            size: o.size,
            createdAt: o.modified.toISOString(),
            managementGroup: null,
            databases: [],
            summarized: false,
          },
    );
  }
  return entries.sort(
    (a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? '') || b.file.localeCompare(a.file),
  );
}

async function readSummary(client: S3Client, bucket: string, key: string) {
  try {
    const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const s = JSON.parse(await r.Body!.transformToString());
    return s.format === SUMMARY_FORMAT ? s : undefined;
  } catch {
    return undefined;
  }
}

/** Streams an archive (and its summary) from the bucket into a local file, for verify, drill or restore. */
export async function downloadArchive(client: S3Client, url: string, toFile: string): Promise<void> {
  const { bucket, key } = objectOf(url);
  let r: GetObjectCommandOutput;
  try {
    r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  } catch (e) {
    throw s3Error(e, { bucket, url, endpoint: await endpointOf(client) });
  }
  await pipeline(r.Body as Readable, fs.createWriteStream(toFile, { mode: 0o600 }));
  const summary = await readSummary(client, bucket, `${key}.json`);
  if (summary) fs.writeFileSync(`${toFile}.json`, JSON.stringify(summary), { mode: 0o600 });
}

/** Deletes an archive's summary, then the archive (prune). */
export async function deleteS3Archive(client: S3Client, url: string): Promise<void> {
  const { bucket, key } = objectOf(url);
  try {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${key}.json` }));
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  } catch (e) {
    throw s3Error(e, { bucket, url, endpoint: await endpointOf(client) });
  }
}

/** Aborts the incomplete multipart uploads under the prefix (left by a killed upload); answers how many. */
export async function abortIncompleteUploads(client: S3Client, at: S3Location): Promise<number> {
  const r = await client.send(new ListMultipartUploadsCommand({ Bucket: at.bucket, Prefix: at.prefix }));
  let n = 0;
  for (const u of r.Uploads ?? []) {
    await client.send(
      new AbortMultipartUploadCommand({ Bucket: at.bucket, Key: u.Key, UploadId: u.UploadId }),
    );
    n++;
  }
  return n;
}

function objectOf(url: string): { bucket: string; key: string } {
  const at = parseS3Url(url);
  const key = at.prefix.replace(/\/$/, '');
  if (!key.endsWith('.smbak'))
    throw new SmgrError('USAGE', { detail: `${url} does not name an .smbak archive` });
  return { bucket: at.bucket, key };
}
