/**
 * How a web part reads and changes the service desk: the management server's
 * HTTP API, called as the signed-in user (their bearer token). The portal
 * calls it over HTTP (portal/management-server-client.ts); the console, which
 * runs inside the management server, calls the same routes in process
 * (console/in-process-api.ts). Either way the API's own rules apply: roles,
 * validation, history, audit, notifications.
 *
 * A refusal is an ApiError (the server's status, code, message and remedy,
 * to show or to act on). Tokens never appear in an error.
 */
import { SmgrError } from '../errors/smgr-error.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly remedy: string,
    readonly retryAfter?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The refusal as an smgr error (for commands: setup). */
  toSmgrError(url: string): SmgrError {
    return new SmgrError('MANAGEMENT_SERVER_REFUSED', { url, message: this.message, remedy: this.remedy });
  }
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  query?: Record<string, string | undefined>;
  /** The browser's address, for the management server's per-address sign-in limit. */
  forwardedFor?: string;
}

export interface ApiCaller {
  /** `path` is under /api/v1 ("/work-items/IR4"); answers the JSON body, throws ApiError for a refusal. */
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of the API, typed by the callers
  call<T = any>(method: string, path: string, o?: CallOptions): Promise<T>;
}
