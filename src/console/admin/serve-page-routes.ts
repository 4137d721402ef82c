/**
 * Serves a table of PageRoutes (page-result.ts) on a console scope: each
 * route for administrators only (console-module.ts: everyone else gets the
 * 403 page before it runs), its URL made relative to /console, its answer
 * rendered (reply.page), redirected with 303, downloaded as an attachment,
 * or answered as a live fragment (reply.fragment).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CONSOLE_PREFIX } from '../console-paths.js';
import type { PageResult, PageRoute } from './page-result.js';

export function servePageRoutes(app: FastifyInstance, routes: readonly PageRoute[]): void {
  for (const r of routes) {
    app.route({
      method: r.method,
      url: r.url.slice(CONSOLE_PREFIX.length) || '/',
      config: { console: 'administrator' },
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const result = await r.handle({
          params: (request.params ?? {}) as Record<string, string>,
          query: (request.query ?? {}) as Record<string, string | undefined>,
          form: (request.body ?? {}) as Record<string, unknown>,
          actor: request.consoleUser.username,
          token: request.consoleUser.token,
        });
        return answer(reply, result);
      },
    });
  }
}

function answer(reply: FastifyReply, r: PageResult): FastifyReply {
  switch (r.kind) {
    case 'page':
      return reply.page(r.view, r.data, r.status ?? 200);
    case 'redirect':
      return reply.redirect(r.to, 303);
    case 'download':
      return reply
        .header(
          'content-disposition',
          `attachment; filename="${r.fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
        )
        .type(`${r.contentType}; charset=utf-8`)
        .send(r.text);
    case 'fragment':
      for (const [k, v] of Object.entries(r.headers)) reply.header(k, v);
      return reply.fragment(r.view, r.data);
  }
}
