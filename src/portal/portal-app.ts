/**
 * The portal's web server (Fastify 5): server-rendered pages (Eta, escaping
 * every value), a sealed session cookie per browser (session-cookie.ts), and
 * every fact read from the management server's API as the signed-in user.
 *
 * The web stack (src/web/web-stack.ts) gives every answer: a Content-Security-Policy that allows no
 * script and only this origin's stylesheet, forms posting only here, no
 * framing; nosniff; no referrer to other sites; no caching of pages. Every
 * POST must carry the session's CSRF token (else the 403 page, nothing
 * done). Errors are pages: 404, 403, the management server unreachable (503)
 * and an unexpected error (500) without any detail; never a stack trace, a
 * token or a password. The session cookie is HttpOnly, SameSite=Lax, and
 * Secure when the request came over TLS.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { isSmgrError } from '../errors/smgr-error.js';
import { createViews as createEta, SHARED_VIEWS, shortDate } from '../web/eta-views.js';
import { ensureSession, FORM_LIMIT, installWebStack, resetSession, serveText } from '../web/web-stack.js';
import type { CatalogSource } from './catalog-source.js';
import { ApiError, isUnreachable, type ManagementServerClient } from './management-server-client.js';
import { portalPages } from './portal-pages.js';
import { SESSION_COOKIE, type SessionSealer } from './session-cookie.js';
import { STYLESHEET, VIEWS } from './views.js';

export { readCookie } from '../web/web-stack.js';

export interface PortalAppContext {
  client: ManagementServerClient;
  sealer: SessionSealer;
  catalog: CatalogSource;
  logger: Logger;
  identity: { computerName: string; managementGroup: { id: string; name: string } };
}

export const CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const createViews = () => createEta(SHARED_VIEWS, VIEWS);

export async function buildPortalApp(ctx: PortalAppContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.logger.child({ component: 'portal-http' }) as FastifyBaseLogger,
    bodyLimit: FORM_LIMIT,
    trustProxy: false,
  });
  installWebStack(app, {
    sealer: ctx.sealer,
    cookieName: SESSION_COOKIE,
    cookiePath: '/',
    eta: createViews(),
    csp: CSP,
    pageData: () => ({
      groupName: ctx.identity.managementGroup.name,
      date: shortDate,
      home: { href: '/', label: 'Back to the catalog' },
    }),
    csrfRefusal: {
      title: 'Form refused',
      heading: 'This form cannot be accepted',
      message: 'It did not come from this portal, or your session changed since it was shown.',
      remedy: 'Go back, reload the page and send it again.',
    },
  });

  app.get('/health', async () => ({
    status: 'ok',
    part: 'portal',
    managementGroup: ctx.identity.managementGroup.name,
    computerName: ctx.identity.computerName,
  }));
  serveText(app, '/static/portal.css', 'text/css', STYLESHEET);

  app.setNotFoundHandler((request, reply) => {
    ensureSession(request);
    return reply.page(
      '@error',
      { title: 'Not found', heading: 'Page not found', message: 'There is no page at this address.' },
      404,
    );
  });

  app.setErrorHandler((error, request, reply) => {
    ensureSession(request);
    if (error instanceof ApiError && error.status === 401) {
      // The token expired or was revoked: signed out here too.
      resetSession(request);
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
