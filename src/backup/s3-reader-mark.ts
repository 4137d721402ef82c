/**
 * Reader marks of archives in an S3 bucket (docs/FORMAT.md §5, issue 13):
 * a bucket cannot tell prune that an archive is being read, as a local
 * directory's `.reading-<pid>` marker does (archive-use.ts), so a reader
 * puts `<name>.smbak.reader-<id>` beside the archive, rewrites it every
 * REFRESH_MS with a later expiry, and deletes it when the read ends; prune
 * keeps an archive with a live mark and deletes stale ones.
 *
 * Guarantees: a mark never holds a credential or any of the archive's
 * content; a reader that may not write the bucket reads without a mark
 * (placeReaderMark answers why). Crash (kill -9): the mark stays until it
 * expires (at most TTL_MS after its last refresh), then the next prune of
 * the prefix deletes it.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { s3Error } from './s3-errors.js';
import { parseS3Url, type S3Location } from './s3-target.js';

export const READER_MARK_FORMAT = 'smgr-archive-reader';
export const TTL_MS = 15 * 60 * 1000;
export const REFRESH_MS = 5 * 60 * 1000;
const MARK = /\.smbak\.reader-[0-9a-f]{16}$/;

export interface ReaderMarkBody {
  format: typeof READER_MARK_FORMAT;
  version: 1;
  archive: string;
  host: string;
  pid: number;
  purpose: string;
  createdAt: string;
  refreshedAt: string;
  expiresAt: string;
}

export interface ReaderMark {
  /** The mark's s3:// URL; undefined when it could not be put (read-only credentials). */
  url?: string;
  /** Why there is no mark, when there is none. */
  missing?: string;
  /** Stops refreshing and deletes the mark; never throws. */
  release(): Promise<void>;
}

const keyOf = (url: string) => parseS3Url(url).prefix.replace(/\/$/, '');

/** Puts a mark beside the archive at `url` and keeps it fresh until release(). */
export async function placeReaderMark(client: S3Client, url: string, purpose = 'read'): Promise<ReaderMark> {
  const { bucket } = parseS3Url(url);
  const archiveKey = keyOf(url);
  const key = `${archiveKey}.reader-${randomBytes(8).toString('hex')}`;
  const createdAt = new Date();
  const body = (now: Date): ReaderMarkBody => ({
    format: READER_MARK_FORMAT,
    version: 1,
    archive: archiveKey.split('/').pop()!,
    host: os.hostname(),
    pid: process.pid,
    purpose,
    createdAt: createdAt.toISOString(),
    refreshedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + TTL_MS).toISOString(),
  });
  const put = (now: Date) =>
    client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: Buffer.from(JSON.stringify(body(now))),
        ContentType: 'application/json',
      }),
    );
  try {
    await put(createdAt);
  } catch (e) {
    const reason = (e as { name?: string })?.name ?? 'error';
    return { missing: `the bucket refused the mark (${reason})`, release: async () => {} };
  }
  let refreshing: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    refreshing = put(new Date()).catch(() => {});
  }, REFRESH_MS);
  timer.unref();
  let released: Promise<void> | undefined;
  return {
    url: `s3://${bucket}/${key}`,
    release() {
      released ??= (async () => {
        clearInterval(timer);
        await refreshing;
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => {});
      })();
      return released;
    },
  };
}

export interface ReaderMarksSeen {
  /** The archives (s3:// URLs) with a live mark, with the latest expiry among their marks. */
  busy: Map<string, string>;
  /** The stale marks deleted (s3:// URLs; only found, in a dry run). */
  deleted: string[];
}

/** The live marks under the prefix; stale ones are deleted. `now` is the pruning computer's clock. */
export async function readerMarks(
  client: S3Client,
  at: S3Location,
  o: {
    now?: Date;
    endpoint?: string /** false: a dry run, stale marks are only reported. */;
    deleteStale?: boolean;
  } = {},
): Promise<ReaderMarksSeen> {
  const now = o.now ?? new Date();
  const seen: ReaderMarksSeen = { busy: new Map(), deleted: [] };
  try {
    let token: string | undefined;
    do {
      const r = await client.send(
        new ListObjectsV2Command({ Bucket: at.bucket, Prefix: at.prefix, ContinuationToken: token }),
      );
      for (const obj of r.Contents ?? []) {
        if (!obj.Key || !MARK.test(obj.Key) || obj.Key.slice(at.prefix.length).includes('/')) continue;
        const expiresAt = await expiryOf(client, at.bucket, obj.Key, obj.LastModified);
        if (!expiresAt) continue; // released since the listing
        const archive = `s3://${at.bucket}/${obj.Key.replace(/\.reader-[0-9a-f]{16}$/, '')}`;
        if (expiresAt > now) {
          const prev = seen.busy.get(archive);
          const iso = expiresAt.toISOString();
          if (!prev || prev < iso) seen.busy.set(archive, iso);
        } else {
          if (o.deleteStale !== false)
            await client.send(new DeleteObjectCommand({ Bucket: at.bucket, Key: obj.Key }));
          seen.deleted.push(`s3://${at.bucket}/${obj.Key}`);
        }
      }
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
  } catch (e) {
    throw s3Error(e, { bucket: at.bucket, endpoint: o.endpoint });
  }
  return seen;
}

/** A mark's expiry: its body's, else (unreadable) its Last-Modified + TTL_MS; null when it is gone. */
async function expiryOf(
  client: S3Client,
  bucket: string,
  key: string,
  modified?: Date,
): Promise<Date | null> {
  try {
    const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const b = JSON.parse(await r.Body!.transformToString()) as Partial<ReaderMarkBody>;
    const t = b.format === READER_MARK_FORMAT && b.version === 1 ? Date.parse(b.expiresAt ?? '') : Number.NaN;
    if (Number.isFinite(t)) return new Date(t);
  } catch (e) {
    if ((e as { name?: string })?.name === 'NoSuchKey') return null;
  }
  return new Date((modified ?? new Date()).getTime() + TTL_MS);
}
