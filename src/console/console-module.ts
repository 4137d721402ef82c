/**
 * The contract of a part of the web console (issue 14). The console
 * (console-app.ts) is one Fastify scope under /console on the management
 * server's listen address; each module adds its pages to that scope. The
 * modules are listed in console-modules.ts, one per line.
 *
 * A module's routes are relative to /console (`app.get('/users', ...)` is
 * /console/users) and each must say who may open it in
 * `config: { console: 'analyst' | 'administrator' | 'public' }`: a route
 * without is refused when the app is built, so no page is open by omission.
 * 'analyst' means an analyst or an administrator; 'administrator' only an
 * administrator; 'public' is for the sign-in page and static files only.
 * Everyone else (an end user, a role the registry does not know) gets the
 * 403 page on every non-public route, before the route runs; a visitor not
 * signed in is sent to the sign-in page.
 *
 * In a route: `request.consoleUser` is the signed-in user (their current
 * role, read from their token on every request) and `reply.page(view, data)`
 * renders one of the console's Eta views (escaping every value) inside the
 * console's layout (`<% layout('@layout') %>` at the top of a view). Every
 * POST has already been checked for the session's CSRF token. Read and
 * change through `ctx.api` (the HTTP API in process, as the signed-in user:
 * its roles, validation, history and audit apply) whenever the API can.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../management-server/app-context.js';
import type { ApiCaller } from '../web/api-caller.js';

export type ConsoleRole = 'analyst' | 'administrator';
export type ConsoleAccess = ConsoleRole | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may open this console route (console-module.ts). */
    console?: ConsoleAccess;
  }
  interface FastifyRequest {
    /** The signed-in user of a non-public console route. */
    consoleUser: ConsoleUser;
  }
}

export interface ConsoleUser {
  username: string;
  role: string;
  /** Their bearer token for ctx.api (never shown, never logged). */
  token: string;
}

export interface ConsoleNavItem {
  /** Absolute: "/console/queues/unassigned". */
  href: string;
  label: string;
  /** Shown to this role and above (an administrator sees the analyst's items too). */
  role: ConsoleRole;
}

export interface ConsoleContext {
  /** The management server's context: database, logger, identity, readiness, metrics. */
  server: AppContext;
  /** The HTTP API in process, as the user whose token is given. */
  api: ApiCaller;
  /** The user a bearer token belongs to now; undefined when expired, revoked, or the user is disabled. */
  tokenUser(token: string): Promise<{ username: string; role: string } | undefined>;
}

export interface ConsoleModule {
  /** A short name for logs ("analyst", "administrator"). */
  name: string;
  /** Links of the console's navigation, in order. */
  nav: ConsoleNavItem[];
  /** Eta views this module renders, by name ("@queue"); names must not clash with other modules'. */
  views?: Record<string, string>;
  /** CSS rules appended to the console's stylesheet. */
  styles?: string;
  register(app: FastifyInstance, ctx: ConsoleContext): void | Promise<void>;
}

/** Whether `role` may open a route or see a link declared for `access`. */
export function roleMay(role: string, access: ConsoleAccess): boolean {
  if (access === 'public') return true;
  if (access === 'analyst') return role === 'analyst' || role === 'administrator';
  return role === 'administrator';
}
