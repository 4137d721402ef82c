/**
 * The portal's client of the management server's HTTP API (fetch). The
 * portal keeps no data of its own: every page is answered by calls made as
 * the signed-in user (their bearer token) or, for setup and heartbeats, as
 * the administrator or with the portal's credential.
 *
 * Every failure is one of two errors: ApiError (the server answered an error:
 * its status, code, message and remedy, to show or to act on), or
 * MANAGEMENT_SERVER_UNREACHABLE (no answer within the timeout, or not the
 * API). Tokens never appear in an error.
 */
import { SmgrError } from '../errors/smgr-error.js';
import { type ApiCaller, ApiError, type CallOptions } from '../web/api-caller.js';

export const API_TIMEOUT_MS = 15_000;

export { ApiError, type CallOptions } from '../web/api-caller.js';

export class ManagementServerClient implements ApiCaller {
  readonly baseUrl: string;

  constructor(url: string) {
    this.baseUrl = url.replace(/\/+$/, '');
  }

  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of the API, typed by the callers
  async call<T = any>(method: string, path: string, o: CallOptions = {}): Promise<T> {
    const url = new URL(`${this.baseUrl}/api/v1${path}`);
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    if (o.forwardedFor) headers['x-forwarded-for'] = o.forwardedFor;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
        signal: AbortSignal.timeout(API_TIMEOUT_MS),
        redirect: 'error',
      });
    } catch (e) {
      throw this.unreachable((e as Error & { cause?: Error }).cause?.message ?? (e as Error).message);
    }
    const text = await res.text().catch(() => '');
    let json: unknown;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      throw this.unreachable(`it answered ${res.status} without JSON: is this the management server's API?`);
    }
    if (res.ok) return json as T;
    const err = (json ?? {}) as { error?: unknown; message?: unknown; remedy?: unknown };
    if (typeof err.error !== 'string') throw this.unreachable(`it answered ${res.status}, not an smgr error`);
    throw new ApiError(
      res.status,
      err.error,
      String(err.message ?? ''),
      String(err.remedy ?? ''),
      res.headers.get('retry-after') ?? undefined,
    );
  }

  private unreachable(reason: string): SmgrError {
    return new SmgrError('MANAGEMENT_SERVER_UNREACHABLE', { url: this.baseUrl, reason });
  }
}

export const isUnreachable = (e: unknown): boolean =>
  e instanceof SmgrError && e.code === 'MANAGEMENT_SERVER_UNREACHABLE';
