/**
 * The management server's HTTP API called in process (Fastify inject): the
 * console runs inside the management server, so its pages call the same
 * routes the CLI and the portal call, as the signed-in user, without a
 * network hop. The API's rules all apply (bearer token, roles, schemas,
 * history, audit, notifications, the sign-in throttle per address: the
 * browser's address is passed as the request's remote address).
 */
import type { FastifyInstance } from 'fastify';
import { type ApiCaller, ApiError, type CallOptions } from '../web/api-caller.js';

export class InProcessApi implements ApiCaller {
  constructor(private readonly app: FastifyInstance) {}

  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of the API, typed by the callers
  async call<T = any>(method: string, path: string, o: CallOptions = {}): Promise<T> {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) query.set(k, v);
    const qs = query.toString();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.app.inject({
      method: method as 'GET',
      url: `/api/v1${path}${qs ? `?${qs}` : ''}`,
      headers,
      payload: o.body === undefined ? undefined : JSON.stringify(o.body),
      remoteAddress: o.forwardedFor ?? '127.0.0.1',
    });
    const json: unknown = res.body === '' ? null : JSON.parse(res.body);
    if (res.statusCode < 400) return json as T;
    const err = (json ?? {}) as { error?: unknown; message?: unknown; remedy?: unknown };
    const retryAfter = res.headers['retry-after'];
    throw new ApiError(
      res.statusCode,
      String(err.error ?? 'INTERNAL'),
      String(err.message ?? ''),
      String(err.remedy ?? ''),
      retryAfter === undefined ? undefined : String(retryAfter),
    );
  }
}
