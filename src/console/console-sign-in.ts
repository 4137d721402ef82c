/**
 * Signing in and out of the console, and its home page. Sign-in goes
 * through the API (POST /api/v1/sessions, with the browser's address for the
 * per-address throttle): the same users, passwords, throttle and audit as
 * every other client. Anyone may sign in; what they may open is the
 * console's role check (an end user gets the 403 page everywhere).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { ApiError } from '../web/api-caller.js';
import { resetSession } from '../web/web-stack.js';
import type { ConsoleContext } from './console-module.js';
import { CONSOLE_PREFIX, consoleNext } from './console-paths.js';

type Form = Record<string, string>;

export const consoleSignIn: FastifyPluginAsync<{ ctx: ConsoleContext }> = async (app, { ctx }) => {
  const api = ctx.api;

  app.get<{ Querystring: { next?: string } }>(
    '/sign-in',
    { config: { console: 'public' } },
    async (request, reply) => {
      const next = consoleNext(request.query.next);
      return reply.page('@signIn', { title: 'Sign in', next, username: '' });
    },
  );

  app.post<{ Body: Form }>('/sign-in', { config: { console: 'public' } }, async (request, reply) => {
    const { username = '', password = '' } = request.body ?? {};
    const next = consoleNext(request.body?.next);
    const again = (message: string, status: number) =>
      reply.page('@signIn', { title: 'Sign in', next, username, message }, status);
    if (!username || !password || username.length > 255 || password.length > 1024) {
      return again('Enter your user name and password.', 400);
    }
    let token: string;
    let expiresAt: string;
    try {
      ({ token, expiresAt } = await api.call('POST', '/sessions', {
        body: { username, password },
        forwardedFor: request.ip,
      }));
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return again('The user name or password is wrong.', 401);
      if (e instanceof ApiError && e.status === 429) {
        return again(
          `Too many failed sign-ins. Try again in ${e.retryAfter ?? 'a few'} seconds, or ask an administrator to reset your password.`,
          429,
        );
      }
      throw e;
    }
    const me = await api.call('GET', '/sessions/current', { token });
    request.web = {
      session: {
        csrf: randomBytes(24).toString('base64url'),
        expires: Date.parse(expiresAt),
        user: { username: me.user.username, role: me.user.role },
        token,
      },
      changed: true,
    };
    request.log.info({ user: me.user.username }, 'console sign-in');
    return reply.redirect(next, 303);
  });

  app.post('/sign-out', { config: { console: 'public' } }, async (request, reply) => {
    const token = request.web.session.token;
    if (token) await api.call('DELETE', '/sessions/current', { token }).catch(() => {});
    resetSession(request);
    return reply.redirect(`${CONSOLE_PREFIX}/sign-in`, 303);
  });

  app.get('/', { config: { console: 'analyst' } }, async (_request, reply) =>
    reply.page('@home', { title: 'Console' }),
  );
};
