/**
 * /console/config-items (paged by the API's cursor, filtered by class) and
 * /console/config-items/:id (its properties with their packs' names). Read
 * through the API as the analyst.
 */
import type { FastifyInstance } from 'fastify';
import { activeCatalog } from '../../management-packs/pack-store.js';
import type { ConsoleContext } from '../console-module.js';
import { FieldWords } from './field-words.js';

const access = { console: 'analyst' as const };
const CLASSES = ['computer', 'user', 'service'];

export function configItemPages(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get<{ Querystring: { class?: string; cursor?: string } }>(
    '/config-items',
    { config: access },
    async (request, reply) => {
      const cls = CLASSES.includes(request.query.class ?? '') ? request.query.class : undefined;
      const cursor = request.query.cursor;
      if (cursor !== undefined && !/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return reply.callNotFound();
      const page = await ctx.api.call('GET', '/config-items', {
        token: request.consoleUser.token,
        query: { class: cls, limit: '50', cursor },
      });
      const q = (c?: string) => {
        const p = new URLSearchParams();
        if (cls) p.set('class', cls);
        if (c) p.set('cursor', c);
        const s = p.toString();
        return `/console/config-items${s ? `?${s}` : ''}`;
      };
      return reply.page('@configItems', {
        title: 'Configuration items',
        classes: CLASSES,
        cls,
        items: page.items,
        first: cursor ? q() : undefined,
        next: page.nextCursor ? q(page.nextCursor) : undefined,
      });
    },
  );

  app.get<{ Params: { id: string } }>('/config-items/:id', { config: access }, async (request, reply) => {
    if (!/^[1-9][0-9]{0,14}$/.test(request.params.id)) return reply.callNotFound();
    const token = request.consoleUser.token;
    const [ci, related] = await Promise.all([
      ctx.api.call('GET', `/config-items/${request.params.id}`, { token }),
      ctx.api.call('GET', `/config-items/${request.params.id}/work-items`, { token }),
    ]);
    const words = new FieldWords(await activeCatalog(ctx.server.db));
    return reply.page('@configItem', {
      title: ci.name,
      ci,
      properties: words
        .propertyRows(ci.class, ci.properties)
        .map((p) => ({ label: p.label, value: p.value })),
      related: related.items,
    });
  });
}
