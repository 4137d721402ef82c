/**
 * Every error answer of the HTTP API is JSON `{error, message, remedy}` from
 * the error registry. Bad input of any kind (schema violations, malformed
 * JSON, oversized bodies, wrong content types, malformed or unknown ids) is a
 * 4xx; a unique-constraint violation is 409 CONFLICT; anything unexpected is
 * 500 INTERNAL with a generic message, and only that is logged with its
 * error (through the safe serializer of log-serializers.ts). Messages never
 * carry bodies, query strings, tokens or secrets.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isSmgrError, SmgrError } from '../errors/smgr-error.js';
import { pathOf } from './log-serializers.js';
import { isDataException, isUniqueViolation } from './pg-errors.js';
import { RetryLaterError } from './retry-later-error.js';
import { type AjvError, validationWords } from './validation-words.js';

export const BODY_LIMIT = 1024 * 1024;

/** What a route answers when its `:id` names nothing: used for NOT_FOUND messages. */
export interface ResourceInfo {
  /** e.g. "work item" */
  kind: string;
  /** The list route, e.g. "/api/v1/work-items". */
  path: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    resource?: ResourceInfo;
  }
}

export const ERROR_SCHEMA_ID = 'Error';

export const errorSchema = {
  $id: ERROR_SCHEMA_ID,
  type: 'object',
  description: 'Every error answer: a stable code from the error registry, a one-line cause and a remedy.',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', description: 'Stable error code (see docs/ERRORS.md).' },
    message: { type: 'string' },
    remedy: { type: 'string' },
  },
} as const;

/** The 4xx/5xx entries to spread into every route's `response` schema. */
export const errorResponses = {
  '4xx': { $ref: `${ERROR_SCHEMA_ID}#` },
  '5xx': { $ref: `${ERROR_SCHEMA_ID}#` },
} as const;

/** Thrown by routes for an id that names no row. */
export function notFound(request: FastifyRequest, id: string): SmgrError {
  const resource = request.routeOptions.config.resource;
  if (!resource)
    return new SmgrError('ROUTE_NOT_FOUND', { method: request.method, path: pathOf(request.url) });
  return new SmgrError('NOT_FOUND', { kind: resource.kind, id: shortId(id), path: resource.path });
}

function shortId(id: string): string {
  return id.length > 64 ? `${id.slice(0, 64)}…` : id;
}

function validationDetail(error: FastifyError): string {
  const first = (error.validation?.[0] ?? {}) as AjvError;
  return validationWords(error.validationContext ?? 'request', first);
}

/** Maps whatever a route, hook or Fastify itself threw to a registry error. */
export function toSmgrError(error: unknown, request: FastifyRequest): SmgrError {
  if (isSmgrError(error)) return error;
  const fe = error as Partial<FastifyError> | null;
  if (fe?.validation) {
    if (fe.validationContext === 'params') {
      const params = Object.values((request.params ?? {}) as Record<string, unknown>);
      return notFound(request, typeof params[0] === 'string' ? params[0] : '');
    }
    return new SmgrError('VALIDATION', { detail: validationDetail(fe as FastifyError) });
  }
  switch (fe?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new SmgrError('BODY_TOO_LARGE', { limit: BODY_LIMIT });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new SmgrError('UNSUPPORTED_MEDIA_TYPE');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new SmgrError('MALFORMED_JSON');
  }
  if (isUniqueViolation(error)) {
    return new SmgrError('CONFLICT', { detail: 'Another record already has that unique value' });
  }
  if (isDataException(error)) {
    return new SmgrError('VALIDATION', {
      detail: 'a value cannot be stored (text must not contain NUL characters or unpaired surrogates)',
    });
  }
  // Fastify's own 4xx errors (e.g. a Content-Length that does not match) carry fixed messages.
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500 && typeof fe?.code === 'string' && fe.code.startsWith('FST_')) {
    return new SmgrError('VALIDATION', { detail: String(fe.message ?? fe.code).replace(/\.$/, '') });
  }
  return new SmgrError('INTERNAL', {}, { cause: error });
}

function send(reply: FastifyReply, e: SmgrError): FastifyReply {
  if (e.code === 'UNAUTHORIZED') reply.header('www-authenticate', 'Bearer');
  if (e instanceof RetryLaterError) reply.header('retry-after', String(e.retryAfterS));
  return reply.status(e.httpStatus).type('application/json; charset=utf-8').send(e.toJSON());
}

/** Installs the error handler and the 404 handler on the root instance. */
export function installErrorHandling(app: FastifyInstance): void {
  app.addSchema(errorSchema);
  app.setErrorHandler((error, request, reply) => {
    const e = toSmgrError(error, request);
    if (e.code === 'INTERNAL') {
      request.log.error({ err: error, code: e.code }, 'request failed');
    } else if (e.httpStatus >= 500) {
      request.log.error({ code: e.code, detail: e.message }, 'request failed');
    } else {
      request.log.info({ code: e.code, statusCode: e.httpStatus }, 'request refused');
    }
    return send(reply, e);
  });
  app.setNotFoundHandler((request, reply) =>
    send(reply, new SmgrError('ROUTE_NOT_FOUND', { method: request.method, path: pathOf(request.url) })),
  );
}
