/**
 * The portal's web server (Fastify 5): server-rendered pages (Eta, escaping
 * every value), a sealed session cookie per browser (session-cookie.ts), and
 * every fact read from the management server's API as the signed-in user.
 *
 * Guarantees on every answer: a Content-Security-Policy that allows no
 * script and only this origin's stylesheet, forms posting only here, no
 * framing; nosniff; no referrer to other sites; no caching of pages. Every
 * POST must carry the session's CSRF token (else the 403 page, nothing
 * done). Errors are pages: 404, 403, the management server unreachable (503)
 * and an unexpected error (500) without any detail; never a stack trace, a
 * token or a password. The session cookie is HttpOnly, SameSite=Lax, and
 * Secure when the request came over TLS.
 */
import { timingSafeEqual } from 'node:crypto';
import { Eta } from 'eta';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import { isSmgrError } from '../errors/smgr-error.js';
import type { CatalogSource } from './catalog-source.js';
import { ApiError, isUnreachable, type ManagementServerClient } from './management-server-client.js';
import { portalPages } from './portal-pages.js';
import {
  anonymousSession,
  type PortalSession,
  SESSION_COOKIE,
  type SessionSealer,
} from './session-cookie.js';
import { STYLESHEET, VIEWS } from './views.js';

export interface PortalAppContext {
  client: ManagementServerClient;
  sealer: SessionSealer;
  catalog: CatalogSource;
  logger: Logger;
  identity: { computerName: string; managementGroup: { id: string; name: string } };
}

declare module 'fastify' {
  interface FastifyRequest {
    portal: { session: PortalSession; changed: boolean };
  }
  interface FastifyReply {
    page(view: string, data: Record<string, unknown>, status?: number): FastifyReply;
  }
}

export const CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const FORM_LIMIT = 64 * 1024;

export function createViews(): Eta {
  const eta = new Eta({ autoEscape: true, autoTrim: false, cache: true });
  for (const [name, text] of Object.entries(VIEWS)) eta.loadTemplate(name, text);
  return eta;
}

const date = (iso: string) => new Date(iso).toISOString().replace('T', ' ').slice(0, 16);

export async function buildPortalApp(ctx: PortalAppContext): Promise<FastifyInstance> {
  const eta = createViews();
  const app = Fastify({
    loggerInstance: ctx.logger.child({ component: 'portal-http' }) as FastifyBaseLogger,
    bodyLimit: FORM_LIMIT,
    trustProxy: false,
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_LIMIT },
    (_req, body, done) => {
      const form: Record<string, string> = {};
      for (const [k, v] of new URLSearchParams(body as string)) if (!(k in form)) form[k] = v;
      done(null, form);
    },
  );
  app.decorateRequest('portal', null as unknown as FastifyRequest['portal']);

  app.decorateReply(
    'page',
    function (this: FastifyReply, view: string, data: Record<string, unknown>, status = 200) {
      const { session } = this.request.portal;
      const html = eta.render(view, {
        ...data,
        user: session.user,
        csrf: session.csrf,
        groupName: ctx.identity.managementGroup.name,
        date,
      });
      return this.status(status).type('text/html; charset=utf-8').send(html);
    },
  );

  app.addHook('onRequest', async (request) => {
    const opened = ctx.sealer.open(readCookie(request.headers.cookie, SESSION_COOKIE));
    request.portal = opened
      ? { session: opened, changed: false }
      : { session: anonymousSession(), changed: true };
  });

  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST') return;
    const sent = (request.body as Record<string, string> | undefined)?._csrf ?? '';
    if (!sameToken(sent, request.portal.session.csrf)) {
      request.log.info({ path: request.routeOptions.url }, 'form refused: CSRF token missing or wrong');
      return reply.page(
        '@error',
        {
          title: 'Form refused',
          heading: 'This form cannot be accepted',
          message: 'It did not come from this portal, or your session changed since it was shown.',
          remedy: 'Go back, reload the page and send it again.',
        },
        403,
      );
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('content-security-policy', CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    reply.header('x-frame-options', 'DENY');
    if (!reply.getHeader('cache-control')) reply.header('cache-control', 'no-store');
    const portal = request.portal;
    if (portal?.changed)
      reply.header('set-cookie', cookieFor(ctx.sealer.seal(portal.session), portal.session, request));
    return payload;
  });

  app.get('/health', async () => ({
    status: 'ok',
    part: 'portal',
    managementGroup: ctx.identity.managementGroup.name,
    computerName: ctx.identity.computerName,
  }));
  app.get('/static/portal.css', async (_req, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(STYLESHEET),
  );

  app.setNotFoundHandler((request, reply) => {
    request.portal ??= { session: anonymousSession(), changed: true };
    return reply.page(
      '@error',
      { title: 'Not found', heading: 'Page not found', message: 'There is no page at this address.' },
      404,
    );
  });

  app.setErrorHandler((error, request, reply) => {
    request.portal ??= { session: anonymousSession(), changed: true };
    if (error instanceof ApiError && error.status === 401) {
      // The token expired or was revoked: signed out here too.
      request.portal = { session: anonymousSession(), changed: true };
      return reply.redirect(`/sign-in?next=${encodeURIComponent(request.url)}`, 303);
    }
    if (isUnreachable(error)) {
      request.log.warn({ err: { message: (error as Error).message } }, 'management server unreachable');
      return reply.page(
        '@error',
        {
          title: 'Service unavailable',
          heading: 'The service desk cannot be reached',
          message: 'The portal cannot reach the management server right now. Nothing was sent.',
          remedy: 'Try again in a few minutes; if it lasts, tell your IT department.',
        },
        503,
      );
    }
    if (error instanceof ApiError && error.status === 403) return forbiddenPage(reply, error.message);
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500 && !isSmgrError(error)) {
      return reply.page(
        '@error',
        {
          title: 'Bad request',
          heading: 'This request cannot be handled',
          message: 'The request was not valid.',
        },
        status,
      );
    }
    request.log.error(
      { err: { message: (error as Error).message, code: (error as ApiError).code } },
      'page failed',
    );
    return reply.page(
      '@error',
      {
        title: 'Error',
        heading: 'Something went wrong',
        message: 'The portal could not show this page.',
        remedy: 'Try again; if it lasts, tell your IT department.',
      },
      500,
    );
  });
  // After the error and not-found handlers: a plugin inherits the handlers set before it is registered.
  await app.register(portalPages, { ctx });
  return app;
}

export function forbiddenPage(reply: FastifyReply, message?: string): FastifyReply {
  return reply.page(
    '@error',
    {
      title: 'Not allowed',
      heading: 'You cannot open this',
      message: message ?? 'It is not one of yours, or it does not exist.',
      remedy: 'Your own requests are under My requests.',
    },
    403,
  );
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

function cookieFor(value: string, session: PortalSession, request: FastifyRequest): string {
  const maxAge = Math.max(0, Math.floor((session.expires - Date.now()) / 1000));
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
}
