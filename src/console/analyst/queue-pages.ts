/**
 * /console/queues (the list) and /console/queues/:id (one queue: a table,
 * sortable by any of its columns through links, paged). Read-only.
 */
import type { FastifyInstance } from 'fastify';
import { activeCatalog } from '../../management-packs/pack-store.js';
import type { ConsoleContext } from '../console-module.js';
import { FieldWords } from './field-words.js';
import { allQueues, runQueue } from './work-item-queues.js';

const access = { console: 'analyst' as const };

export function queuePages(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get('/queues', { config: access }, async (request, reply) => {
    const queues = allQueues(await activeCatalog(ctx.server.db), request.consoleUser.username);
    const group = (id: string, label: string, test: (q: (typeof queues)[number]) => boolean) => ({
      id,
      label,
      queues: queues.filter(test),
    });
    return reply.page('@queues', {
      title: 'Queues',
      groups: [
        group('incidents', 'Incidents', (q) => q.source === 'console' && q.view.class === 'incident'),
        group(
          'requests',
          'Service requests',
          (q) => q.source === 'console' && q.view.class === 'service-request',
        ),
        group('views', 'Views of management packs', (q) => q.source !== 'console'),
      ].filter((g) => g.queues.length > 0),
    });
  });

  app.get<{ Params: { id: string }; Querystring: { page?: string; sort?: string; dir?: string } }>(
    '/queues/:id',
    { config: access },
    async (request, reply) => {
      const catalog = await activeCatalog(ctx.server.db);
      const queue = allQueues(catalog, request.consoleUser.username).find((q) => q.id === request.params.id);
      if (!queue) return reply.callNotFound();
      const q = request.query;
      const direction = q.dir === 'desc' ? 'desc' : 'asc';
      const result = await runQueue(ctx.server.db, catalog, queue, {
        page: Number(q.page ?? '1'),
        sort: q.sort ? { field: q.sort, direction } : undefined,
      });
      const words = new FieldWords(catalog);
      const base = `/console/queues/${encodeURIComponent(queue.id)}`;
      const url = (page: number, sort = result.sort) => {
        const p = new URLSearchParams();
        if (sort) {
          p.set('sort', sort.field);
          p.set('dir', sort.direction);
        }
        if (page > 1) p.set('page', String(page));
        const s = p.toString();
        return s ? `${base}?${s}` : base;
      };
      const columns = queue.view.columns.map((field) => {
        const current = result.sort?.field === field ? result.sort.direction : undefined;
        const next = current === 'asc' ? 'desc' : 'asc';
        return {
          field,
          label: words.label(field),
          ariaSort: current === 'asc' ? 'ascending' : current === 'desc' ? 'descending' : undefined,
          next,
          href: url(1, { field, direction: next }),
        };
      });
      return reply.page('@queue', {
        title: queue.name,
        queue,
        columns,
        rows: result.rows,
        page: result.page,
        sort: result.sort,
        prev: result.page > 1 ? url(result.page - 1) : undefined,
        next: result.hasNext ? url(result.page + 1) : undefined,
        label: (f: string) => words.label(f),
        show: (f: string, v: unknown) => words.show(queue.view.class, f, v),
      });
    },
  );
}
