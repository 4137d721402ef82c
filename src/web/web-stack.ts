/**
 * The web stack shared by the portal and the console: what every
 * server-rendered page of smgr gets, installed on a Fastify scope.
 *
 * Guarantees on every answer of the scope: the given Content-Security-Policy
 * (the portal's allows no script; the console's only this origin's script
 * files), nosniff, no referrer to other sites, no framing, no caching of
 * pages. Forms are parsed as application/x-www-form-urlencoded only (first
 * value of a repeated field; nothing else is parsed). Every POST must carry
 * the session's CSRF token (else the scope's 403 page, and the route never
 * runs). The session is a sealed cookie (session-cookie.ts): HttpOnly,
 * SameSite=Lax, Path limited to the scope, Secure when the request came over
 * TLS; an anonymous visitor gets a fresh one. `reply.page(view, data)`
 * renders an Eta view (escaping every value) with the session's user, CSRF
 * token and the scope's own page data.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Eta } from 'eta';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { anonymousSession, type SessionSealer, type WebSession } from './session-cookie.js';

declare module 'fastify' {
  interface FastifyRequest {
    web: { session: WebSession; changed: boolean };
  }
  interface FastifyReply {
    page(view: string, data: Record<string, unknown>, status?: number): FastifyReply;
  }
}

export const FORM_LIMIT = 64 * 1024;

export interface PageWords {
  title: string;
  heading: string;
  message: string;
  remedy?: string;
}

export interface WebStackOptions {
  sealer: SessionSealer;
  cookieName: string;
  /** The cookie's Path: '/' for the portal, '/console' for the console. */
  cookiePath: string;
  eta: Eta;
  csp: string;
  /** What every page of the scope gets besides user and csrf (group name, navigation, helpers). */
  pageData(request: FastifyRequest): Record<string, unknown>;
  /** The words of the 403 page of a form refused for its CSRF token. */
  csrfRefusal: PageWords;
}

/** Installs parsers, session, CSRF check, headers and reply.page on `app` (a scope of its own). */
export function installWebStack(app: FastifyInstance, o: WebStackOptions): void {
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
  app.decorateRequest('web', null as unknown as FastifyRequest['web']);
  app.decorateReply(
    'page',
    function (this: FastifyReply, view: string, data: Record<string, unknown>, status = 200) {
      const request = this.request;
      ensureSession(request);
      const { session } = request.web;
      const html = o.eta.render(view, {
        ...o.pageData(request),
        ...data,
        user: session.user,
        csrf: session.csrf,
      });
      return this.status(status).type('text/html; charset=utf-8').send(html);
    },
  );

  app.addHook('onRequest', async (request) => {
    const opened = o.sealer.open(readCookie(request.headers.cookie, o.cookieName));
    request.web = opened
      ? { session: opened, changed: false }
      : { session: anonymousSession(), changed: true };
  });

  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST') return;
    const sent = (request.body as Record<string, string> | undefined)?._csrf ?? '';
    if (!sameToken(sent, request.web.session.csrf)) {
      request.log.info({ path: request.routeOptions.url }, 'form refused: CSRF token missing or wrong');
      return reply.page('@error', { ...o.csrfRefusal }, 403);
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    securityHeaders(reply, o.csp);
    const web = request.web;
    if (web?.changed)
      reply.header('set-cookie', cookieFor(o, o.sealer.seal(web.session), web.session, request));
    return payload;
  });
}

/** The headers every answer of a web scope carries. */
export function securityHeaders(reply: FastifyReply, csp: string): void {
  reply.header('content-security-policy', csp);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'same-origin');
  reply.header('x-frame-options', 'DENY');
  if (!reply.getHeader('cache-control')) reply.header('cache-control', 'no-store');
}

/** For error and not-found handlers, which may run before the onRequest hook did. */
export function ensureSession(request: FastifyRequest): void {
  request.web ??= { session: anonymousSession(), changed: true };
}

/** Signs the browser out here: a fresh anonymous session replaces the cookie. */
export function resetSession(request: FastifyRequest): void {
  request.web = { session: anonymousSession(), changed: true };
}

/** Serves a text asset (stylesheet, script) compiled into the build, cached 5 minutes. */
export function serveText(
  app: FastifyInstance,
  url: string,
  type: string,
  text: string,
  config: Record<string, unknown> = {},
): void {
  app.get(url, { config }, async (_req, reply) =>
    reply.type(`${type}; charset=utf-8`).header('cache-control', 'public, max-age=300').send(text),
  );
}

export function sameToken(a: string, b: string): boolean {
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

function cookieFor(o: WebStackOptions, value: string, session: WebSession, request: FastifyRequest): string {
  const maxAge = Math.max(0, Math.floor((session.expires - Date.now()) / 1000));
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${o.cookieName}=${value}; Path=${o.cookiePath}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
}
