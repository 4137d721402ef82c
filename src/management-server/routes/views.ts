/**
 * /api/v1/views (issue 10): the views of the imported management packs, and
 * each run as a query (GET /views/:id/items). Every signed-in user lists
 * them; running one needs the role's right to read its class: analysts and
 * administrators see every work item, an end user only the work items they
 * are the affected user of; configuration item views need config-items:read.
 */
import type { FastifyPluginAsync } from 'fastify';
import { SmgrError } from '../../errors/smgr-error.js';
import { CONTENT_ID_PATTERN, type PackView } from '../../management-packs/pack-schema.js';
import { activeCatalog, activePacks } from '../../management-packs/pack-store.js';
import { runView } from '../../management-packs/view-query.js';
import { forbidden, signedIn, userCan } from '../access.js';
import type { AppContext } from '../app-context.js';
import { currentUser } from '../auth.js';
import { errorResponses } from '../http-errors.js';

const common = { tags: ['views'] };
const resource = { kind: 'view', path: '/api/v1/views' };

const viewSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'packId', 'name', 'class', 'columns'],
  properties: {
    id: { type: 'string' },
    packId: { type: 'string' },
    name: { type: 'string' },
    class: { type: 'string' },
    columns: { type: 'array', items: { type: 'string' } },
  },
} as const;

export const viewRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/views',
    {
      config: { access: signedIn() },
      schema: {
        ...common,
        summary: 'The views (saved queries) of the imported management packs',
        response: {
          200: {
            type: 'object',
            required: ['items'],
            properties: { items: { type: 'array', items: viewSchema } },
          },
          ...errorResponses,
        },
      },
    },
    async () => ({
      items: (await activePacks(ctx.db)).flatMap((p) =>
        (p.views ?? []).map((v) => ({
          id: v.id,
          packId: p.id,
          name: v.name,
          class: v.class,
          columns: v.columns,
        })),
      ),
    }),
  );

  app.get<{ Params: { id: string }; Querystring: { limit?: number } }>(
    '/views/:id/items',
    {
      config: {
        resource,
        access: signedIn('Analysts and administrators: every item; end users: their own work items only.'),
      },
      schema: {
        ...common,
        summary: 'Run a view: the items of its class matching its criteria, in its order, with its columns',
        params: {
          type: 'object',
          additionalProperties: false,
          required: ['id'],
          properties: { id: { type: 'string', pattern: CONTENT_ID_PATTERN, maxLength: 200 } },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
        },
        response: {
          200: {
            type: 'object',
            required: ['view', 'items'],
            properties: {
              view: viewSchema,
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: true,
                  description: 'id and the view’s columns.',
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const catalog = await activeCatalog(ctx.db);
      let found: { view: PackView; packId: string } | undefined;
      for (const p of catalog.packs.values()) {
        const v = p.views?.find((x) => x.id === request.params.id);
        if (v) found = { view: v, packId: p.id };
      }
      if (!found)
        throw new SmgrError('NOT_FOUND', { kind: 'view', id: request.params.id, path: '/api/v1/views' });
      const { view, packId } = found;
      const kind = catalog.classes.get(view.class)?.kind;
      let affectedUser: string | undefined;
      if (kind === 'work-item') {
        if (!userCan(request, 'work-items:all')) {
          if (!userCan(request, 'work-items:own')) throw forbidden(request, 'read work items');
          affectedUser = currentUser(request).username;
        }
      } else if (!userCan(request, 'config-items:read')) throw forbidden(request, 'read configuration items');
      const items = await runView(ctx.db, view, catalog, { affectedUser }, request.query.limit ?? 100);
      return {
        view: { id: view.id, packId, name: view.name, class: view.class, columns: view.columns },
        items,
      };
    },
  );
};
