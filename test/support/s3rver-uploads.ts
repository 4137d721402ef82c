/**
 * s3rver 3.7 stores multipart uploads (`<store>/<bucket>/._S3rver_uploads/
 * <uploadId>/`: `key`, `metadata`, one file per part) but answers
 * ListMultipartUploads with 501 and AbortMultipartUpload with 405. This
 * adds those two S3 operations to a real s3rver, over its own store, ahead
 * of its router — real HTTP and S3's XML, so the SDK is never mocked — so
 * the tests can check that smgr aborts what an interrupted upload left.
 * `incompleteUploads` reads the store itself: what a test asserts on.
 */
import fs from 'node:fs';
import path from 'node:path';
import type S3rver from 's3rver';

const UPLOADS = '._S3rver_uploads';

/** The keys of the incomplete multipart uploads in a bucket of the store, read from its directory. */
export function incompleteUploads(store: string, bucket: string): string[] {
  const dir = path.join(store, bucket, UPLOADS);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((id) => fs.existsSync(path.join(dir, id, 'key')))
    .map((id) => fs.readFileSync(path.join(dir, id, 'key'), 'utf8'))
    .sort();
}

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
  type: string;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Call before run(): the two operations, answered from `store`. */
export function addMultipartListing(server: S3rver, store: string): void {
  const middleware = (server as unknown as { middleware: unknown[] }).middleware;
  middleware.unshift(async (ctx: KoaContext, next: () => Promise<void>) => {
    const parts = ctx.path.split('/').filter(Boolean).map(decodeURIComponent);
    const bucket = parts[0];
    if (!bucket) return next();
    const dir = path.join(store, bucket, UPLOADS);
    if (ctx.method === 'GET' && parts.length === 1 && 'uploads' in ctx.query) {
      const prefix = String(ctx.query.prefix ?? '');
      const uploads = fs.existsSync(dir)
        ? fs
            .readdirSync(dir)
            .filter((id) => fs.existsSync(path.join(dir, id, 'key')))
            .map((id) => ({
              id,
              key: fs.readFileSync(path.join(dir, id, 'key'), 'utf8'),
              at: fs.statSync(path.join(dir, id)).mtime,
            }))
            .filter((u) => u.key.startsWith(prefix))
        : [];
      ctx.type = 'application/xml';
      ctx.body = `<?xml version="1.0" encoding="UTF-8"?>
<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${xml(bucket)}</Bucket><Prefix>${xml(prefix)}</Prefix><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>${uploads
        .map(
          (u) =>
            `<Upload><Key>${xml(u.key)}</Key><UploadId>${u.id}</UploadId><Initiated>${u.at.toISOString()}</Initiated></Upload>`,
        )
        .join('')}</ListMultipartUploadsResult>`;
      return;
    }
    const uploadId = ctx.query.uploadId;
    if (ctx.method === 'DELETE' && parts.length > 1 && typeof uploadId === 'string') {
      const upload = path.join(dir, path.basename(uploadId));
      if (!fs.existsSync(path.join(upload, 'key'))) {
        ctx.status = 404;
        ctx.type = 'application/xml';
        ctx.body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>`;
        return;
      }
      fs.rmSync(upload, { recursive: true, force: true });
      ctx.status = 204;
      return;
    }
    return next();
  });
}
