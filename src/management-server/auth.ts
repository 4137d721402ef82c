/**
 * Bearer-token authentication for /api/v1. The hook runs on onRequest, before
 * the body is read: a request without `Authorization: Bearer <token>` naming
 * a live token is answered 401 UNAUTHORIZED (same message whatever is wrong)
 * and its body is never parsed. The signed-in user is `request.user`.
 */
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Queryable } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { type AuthUser, findTokenUser, TOKEN_PATTERN } from './session-store.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: AuthUser | null;
  }
}

/** The OpenAPI security requirement of every authenticated route. */
export const bearerSecurity = [{ bearerAuth: [] }];

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer ([^\s]+)$/i.exec(header ?? '');
  const token = match?.[1];
  return token && TOKEN_PATTERN.test(token) ? token : undefined;
}

export function requireBearer(db: Queryable): onRequestAsyncHookHandler {
  return async (request) => {
    const token = bearerToken(request.headers.authorization);
    const user = token ? await findTokenUser(db, token) : undefined;
    if (!user) throw new SmgrError('UNAUTHORIZED');
    request.user = user;
  };
}

/** The signed-in user of an authenticated route (the hook guarantees one). */
export function currentUser(request: FastifyRequest): AuthUser {
  if (!request.user) throw new SmgrError('UNAUTHORIZED');
  return request.user;
}
