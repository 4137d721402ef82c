/**
 * The web console (issue 14): server-rendered pages for analysts and
 * administrators under /console on the management server's listen address,
 * on the web stack the portal uses (src/web/: sealed session cookie, CSRF,
 * security headers, Eta escaping every value).
 *
 * Guarantees: the session cookie (smgr_console, Path=/console) is sealed
 * with a key derived from the management group's DEK, so every management
 * server of the group opens it and nothing new is stored; it holds the
 * user's API token from a sign-in through the API (sign-in.ts: throttled per
 * user name and per address). On every non-public route the token's user is
 * read again: a revoked or expired token signs the browser out, and a role
 * that may not open the route (an end user on any route) gets the 403 page
 * before the route runs. Every route declares its access (console-module.ts)
 * or the app is not built. Console pages allow scripts from this origin only
 * (live.js), never inline. Errors are pages: 404, 403, 400 and 500 without
 * any detail; never a stack trace, a token or a password. Nothing is stored
 * by the console itself: a crash leaves nothing behind but the API's own
 * writes.
 */
import { createHash } from 'node:crypto';
import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  RouteOptions,
} from 'fastify';
import { isSmgrError } from '../errors/smgr-error.js';
import { ApiError } from '../web/api-caller.js';
import { createViews, SHARED_VIEWS, shortDate } from '../web/eta-views.js';
import { SessionSealer } from '../web/session-cookie.js';
import { ensureSession, installWebStack, resetSession, serveText } from '../web/web-stack.js';
import { type ConsoleContext, type ConsoleModule, roleMay } from './console-module.js';
import { CONSOLE_PREFIX } from './console-paths.js';
import { consoleSignIn } from './console-sign-in.js';

export { CONSOLE_PREFIX } from './console-paths.js';

import type { AppContext } from '../management-server/app-context.js';
import { CONSOLE_MODULES } from './console-modules.js';
import { CONSOLE_STYLESHEET, CONSOLE_VIEWS, LIVE_SCRIPT } from './console-views.js';
import { InProcessApi } from './in-process-api.js';

export const CONSOLE_COOKIE = 'smgr_console';
/** What the session key is derived for from the group's DEK (SecretSealer.deriveKey). */
export const CONSOLE_KEY_PURPOSE = 'console session cookie';

export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

declare module 'fastify' {
  interface FastifyReply {
    /** Answers a live region's fragment (no layout): ETag, 304 when unchanged, marked for live.js. */
    fragment(view: string, data: Record<string, unknown>): FastifyReply;
    /** A fragment's HTML and ETag, to place in a page as a live region's first content. */
    renderFragment(view: string, data: Record<string, unknown>): { html: string; etag: string };
  }
}

/** Every console route (method and URL), recorded as they are added: the tests open each. */
const routesOf = new WeakMap<object, Array<{ method: string; url: string; access: string }>>();
export function consoleRoutes(app: FastifyInstance): Array<{ method: string; url: string; access: string }> {
  return routesOf.get(app.server) ?? [];
}

export interface ConsoleOptions {
  /** The management server's context. */
  server: AppContext;
  /** The management server's app, whose API the console calls in process. */
  root: FastifyInstance;
  modules?: ConsoleModule[];
}

export const consoleApp: FastifyPluginAsync<ConsoleOptions> = async (
  app,
  { server, root, modules = CONSOLE_MODULES },
) => {
  const api = new InProcessApi(root);
  const ctx: ConsoleContext = {
    server,
    api,
    async tokenUser(token) {
      try {
        const me = await api.call('GET', '/sessions/current', { token });
        return { username: me.user.username, role: me.user.role };
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return undefined;
        throw e;
      }
    },
  };
  const sealer = new SessionSealer(
    ctx.server.sealer.deriveKey(CONSOLE_KEY_PURPOSE),
    ctx.server.sealer.keyId,
    'console',
  );
  const eta = createViews(SHARED_VIEWS, CONSOLE_VIEWS, ...modules.map((m) => m.views ?? {}));
  const nav = modules.flatMap((m) => m.nav);
  const routes: Array<{ method: string; url: string; access: string }> = [];
  routesOf.set(app.server, routes);

  app.addHook('onRoute', (route: RouteOptions) => {
    const access = route.config?.console;
    if (!access) throw new Error(`console route ${String(route.method)} ${route.url} declares no access`);
    // Pages, not API: kept out of the OpenAPI document.
    route.schema = { ...(route.schema ?? {}), hide: true } as typeof route.schema;
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routes.push({ method, url: route.url, access });
    }
  });

  installWebStack(app, {
    sealer,
    cookieName: CONSOLE_COOKIE,
    cookiePath: CONSOLE_PREFIX,
    eta,
    csp: CONSOLE_CSP,
    pageData: (request) => {
      const role = request.consoleUser?.role ?? request.web?.session.user?.role ?? '';
      const path = request.url.split('?')[0] ?? '';
      return {
        groupName: ctx.server.identity.managementGroup.name,
        computerName: ctx.server.identity.computerName,
        date: shortDate,
        home: { href: CONSOLE_PREFIX, label: 'Back to the console' },
        nav: nav
          .filter((n) => roleMay(role, n.role))
          .map((n) => ({ ...n, current: path === n.href || path.startsWith(`${n.href}/`) })),
      };
    },
    csrfRefusal: {
      title: 'Form refused',
      heading: 'This form cannot be accepted',
      message: 'It did not come from this console, or your session changed since it was shown.',
      remedy: 'Go back, reload the page and send it again.',
    },
  });
  app.decorateRequest('consoleUser', null as unknown as FastifyRequest['consoleUser']);
  const renderFragment = (request: FastifyRequest, view: string, data: Record<string, unknown>) => {
    const html = eta.render(view, { ...data, date: shortDate, csrf: request.web.session.csrf });
    return { html, etag: `"${createHash('sha256').update(html).digest('base64url').slice(0, 27)}"` };
  };
  app.decorateReply(
    'renderFragment',
    function (this: FastifyReply, view: string, data: Record<string, unknown>) {
      return renderFragment(this.request, view, data);
    },
  );
  app.decorateReply('fragment', function (this: FastifyReply, view: string, data: Record<string, unknown>) {
    const { html, etag } = renderFragment(this.request, view, data);
    this.header('etag', etag).header('x-smgr-fragment', '1').header('cache-control', 'no-cache');
    if (this.request.headers['if-none-match'] === etag) return this.status(304).send();
    return this.type('text/html; charset=utf-8').send(html);
  });

  // Who may open the route: after the session is opened, before the body is read.
  app.addHook('onRequest', async (request, reply) => {
    const access = request.routeOptions.config?.console;
    if (!access || access === 'public') return;
    const { session } = request.web;
    const found = session.token ? await ctx.tokenUser(session.token) : undefined;
    if (!found || !session.token) {
      if (session.user) resetSession(request);
      const next = request.method === 'GET' ? request.url : CONSOLE_PREFIX;
      return reply.redirect(`${CONSOLE_PREFIX}/sign-in?next=${encodeURIComponent(next)}`, 303);
    }
    request.consoleUser = { username: found.username, role: found.role, token: session.token };
    // console-admin: an end user is told the console is not for them; an analyst, that the page is for administrators.
    if (!roleMay(found.role, access))
      return forbiddenPage(reply, roleMay(found.role, 'analyst') ? access : 'analyst');
  });

  app.setNotFoundHandler((request, reply) => {
    ensureSession(request);
    return reply.page(
      '@error',
      { title: 'Not found', heading: 'Page not found', message: 'There is no console page at this address.' },
      404,
    );
  });

  app.setErrorHandler((error, request, reply) => {
    ensureSession(request);
    if (error instanceof ApiError && error.status === 401) {
      resetSession(request);
      return reply.redirect(`${CONSOLE_PREFIX}/sign-in`, 303);
    }
    if (error instanceof ApiError && error.status === 403)
      return forbiddenPage(reply, 'analyst', error.message);
    if (error instanceof ApiError && error.status === 404) {
      return reply.page(
        '@error',
        { title: 'Not found', heading: 'Not found', message: error.message, remedy: error.remedy },
        404,
      );
    }
    const status =
      (error as { statusCode?: number }).statusCode ?? (error instanceof ApiError ? error.status : 0);
    if (status >= 400 && status < 500 && !isSmgrError(error)) {
      return reply.page(
        '@error',
        {
          title: 'Bad request',
          heading: 'This request cannot be handled',
          message: error instanceof ApiError ? error.message : 'The request was not valid.',
        },
        status,
      );
    }
    request.log.error(
      { err: { message: (error as Error).message, code: (error as ApiError).code } },
      'console page failed',
    );
    return reply.page(
      '@error',
      {
        title: 'Error',
        heading: 'Something went wrong',
        message: 'The console could not show this page.',
        remedy: 'Try again; if it lasts, look at the management server log.',
      },
      500,
    );
  });

  const styles = [CONSOLE_STYLESHEET, ...modules.map((m) => m.styles ?? '')].join('\n');
  serveText(app, '/static/console.css', 'text/css', styles, { console: 'public' });
  serveText(app, '/static/live.js', 'text/javascript', LIVE_SCRIPT, { console: 'public' });
  await app.register(consoleSignIn, { ctx });
  for (const m of modules) await m.register(app, ctx);
};

/** The 403 page: the console is for analysts and administrators (or this page for administrators). */
export function forbiddenPage(reply: FastifyReply, access: string, message?: string): FastifyReply {
  return reply.page(
    '@error',
    {
      title: 'Not allowed',
      heading: 'You cannot open this',
      message:
        message ??
        (access === 'administrator'
          ? 'This page is for administrators.'
          : 'The console is for analysts and administrators of the service desk.'),
      remedy: 'End users: your requests are in the Self-Service Portal.',
    },
    403,
  );
}
