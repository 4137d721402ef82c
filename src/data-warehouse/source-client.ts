/**
 * The DW's client of the Service Manager management server's HTTP API: sign
 * in (user name and password for a bearer token), JSON calls with that
 * token, sign out. Every failure becomes a registry error naming the URL:
 * unreachable (DW_SOURCE_UNREACHABLE), a refused sign-in
 * (DW_SOURCE_SIGN_IN_FAILED), and any other error answer with the server's
 * own code and message (DW_SOURCE_ERROR; `code` kept for callers). Never
 * logs or returns the password or the token.
 */
import { SmgrError } from '../errors/smgr-error.js';

/** Deadline of one call: a hung server fails the call, it does not hang the caller. */
const CALL_TIMEOUT_MS = 30_000;

export interface SourceSession {
  readonly url: string;
  readonly username: string;
  call<T>(method: string, route: string, body?: unknown): Promise<T>;
  signOut(): Promise<void>;
}

/** The base URL without a trailing slash; refused unless http(s). */
export function normalizeSourceUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new SmgrError('USAGE', {
      detail: `--management-server must be a URL such as http://ms01:8420, not ${url}`,
    });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new SmgrError('USAGE', {
      detail: `--management-server must be http:// or https://, not ${u.protocol}`,
    });
  }
  return u.origin;
}

async function request(
  url: string,
  method: string,
  route: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; json: Record<string, unknown> | undefined }> {
  let res: Response;
  try {
    res = await fetch(`${url}${route}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    throw new SmgrError('DW_SOURCE_UNREACHABLE', { url, reason: cause });
  }
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json };
}

function sourceError(url: string, status: number, json: Record<string, unknown> | undefined): SmgrError {
  const e = new SmgrError('DW_SOURCE_ERROR', {
    url,
    status: String(status),
    message: String(json?.message ?? 'no message'),
    remedy: String(json?.remedy ?? 'none'),
  });
  return Object.assign(e, { sourceCode: String(json?.error ?? '') });
}

export async function signInToSource(
  url: string,
  username: string,
  password: string,
): Promise<SourceSession> {
  const r = await request(url, 'POST', '/api/v1/sessions', { username, password });
  if (r.status === 401) {
    throw new SmgrError('DW_SOURCE_SIGN_IN_FAILED', {
      url,
      user: username,
      reason: 'wrong user name or password',
    });
  }
  if (r.status === 429) {
    throw new SmgrError('DW_SOURCE_SIGN_IN_FAILED', {
      url,
      user: username,
      reason: 'too many failed sign-ins, try again later',
    });
  }
  if ((r.status !== 200 && r.status !== 201) || typeof r.json?.token !== 'string')
    throw sourceError(url, r.status, r.json);
  const token = r.json.token;
  return {
    url,
    username,
    async call<T>(method: string, route: string, body?: unknown): Promise<T> {
      const a = await request(url, method, route, body, token);
      if (a.status >= 200 && a.status < 300) return a.json as T;
      throw sourceError(url, a.status, a.json);
    },
    async signOut() {
      await request(url, 'DELETE', '/api/v1/sessions/current', undefined, token).catch(() => {});
    },
  };
}

/** Runs `fn` signed in, signing out after (the token stops working at once). */
export async function withSourceSession<T>(
  url: string,
  username: string,
  password: string,
  fn: (s: SourceSession) => Promise<T>,
): Promise<T> {
  const s = await signInToSource(url, username, password);
  try {
    return await fn(s);
  } finally {
    await s.signOut();
  }
}

/** The server's own error code of a DW_SOURCE_ERROR, if any. */
export const sourceCode = (e: unknown): string | undefined => (e as { sourceCode?: string }).sourceCode;
