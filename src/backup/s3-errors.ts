/**
 * An S3 SDK failure in the error registry's words (issue 13): wrong
 * credentials, a missing bucket or object, an unreachable endpoint, or any
 * other refusal by the service, each naming the bucket and never a
 * credential (the SDK's messages can quote the access key id; they are not
 * passed on, only the error's name).
 */
import { isSmgrError, SmgrError } from '../errors/smgr-error.js';

export interface S3Where {
  bucket: string;
  /** The object (s3:// URL) when one was asked for. */
  url?: string;
  endpoint?: string;
}

const DENIED = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'CredentialsProviderError',
  'AllAccessDisabled',
]);
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

export function s3Error(e: unknown, at: S3Where): unknown {
  if (isSmgrError(e)) return e;
  const err = e as { name?: string; code?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  const name = err?.Code ?? err?.name ?? 'Error';
  const status = err?.$metadata?.httpStatusCode;
  const endpoint = at.endpoint ?? 'AWS S3';
  if (DENIED.has(name) || status === 403 || /credential/i.test(name))
    return new SmgrError('S3_ACCESS_DENIED', { bucket: at.bucket, endpoint, reason: name });
  if (name === 'NoSuchBucket') return new SmgrError('S3_BUCKET_NOT_FOUND', { bucket: at.bucket, endpoint });
  if (name === 'NoSuchKey' || (name === 'NotFound' && at.url))
    return new SmgrError('S3_OBJECT_NOT_FOUND', { url: at.url ?? `s3://${at.bucket}`, endpoint });
  if (name === 'NotFound' || status === 404)
    return new SmgrError('S3_BUCKET_NOT_FOUND', { bucket: at.bucket, endpoint });
  const code = err?.code ?? (e as { cause?: { code?: string } })?.cause?.code;
  if ((code && UNREACHABLE.has(code)) || name === 'TimeoutError')
    return new SmgrError('S3_UNREACHABLE', { endpoint, reason: code ?? name });
  return new SmgrError('S3_REQUEST_FAILED', {
    bucket: at.bucket,
    endpoint,
    reason: status ? `${name}, HTTP ${status}` : name,
  });
}
