/**
 * /console/search?q=: work items whose display id is the query (IR42, ir42)
 * or whose title holds it, and configuration items whose name holds it.
 * Read-only, parameterised SQL (LIKE wildcards in the query are taken
 * literally); at most 50 of each, newest first.
 */
import type { FastifyInstance } from 'fastify';
import type { Queryable } from '../../db/database.js';
import type { ConsoleContext } from '../console-module.js';

const LIMIT = 50;

/** `%text%` with LIKE's own characters escaped. */
const contains = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export async function searchWorkItems(db: Queryable, q: string) {
  const r = await db.query<{ display_id: string; title: string; status: string; assigned_to: string | null }>(
    `SELECT display_id, title, status, assigned_to FROM work_items
      WHERE display_id = upper($1) OR title ILIKE $2
      ORDER BY (display_id = upper($1)) DESC, id DESC LIMIT ${LIMIT}`,
    [q, contains(q)],
  );
  return r.rows.map((w) => ({
    displayId: w.display_id,
    title: w.title,
    status: w.status,
    assignedTo: w.assigned_to,
  }));
}

export async function searchConfigItems(db: Queryable, q: string) {
  const r = await db.query<{ id: number; name: string; class: string }>(
    `SELECT id, name, class FROM config_items WHERE name ILIKE $1 ORDER BY id DESC LIMIT ${LIMIT}`,
    [contains(q)],
  );
  return r.rows.map((c) => ({ id: Number(c.id), name: c.name, class: c.class }));
}

export function searchPage(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get<{ Querystring: { q?: string } }>(
    '/search',
    { config: { console: 'analyst' } },
    async (request, reply) => {
      const q = (request.query.q ?? '').trim().slice(0, 200);
      const [workItems, configItems] = q
        ? await Promise.all([searchWorkItems(ctx.server.db, q), searchConfigItems(ctx.server.db, q)])
        : [[], []];
      return reply.page('@search', { title: q ? `Search: ${q}` : 'Search', q, workItems, configItems });
    },
  );
}
