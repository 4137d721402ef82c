/**
 * Configuration items related to work items (issue 14, console-analyst):
 * GET/POST /api/v1/work-items/:id/config-items, DELETE
 * /api/v1/work-items/:id/config-items/:configItemId, and the other way
 * round GET /api/v1/config-items/:id/work-items. For analysts and
 * administrators (every work item, and configuration items to read).
 * Relating and unrelating are each one transaction with the work item's
 * history entry ({related} / {unrelated}: the configuration item's id, class
 * and name), its updatedAt bump and an audit row; relating twice is the same
 * as once (200 instead of 201), unrelating what is not related is 404.
 */
import type { FastifyPluginAsync } from 'fastify';
import { audit } from '../../audit/audit.js';
import { SmgrError } from '../../errors/smgr-error.js';
import { requires } from '../access.js';
import type { AppContext } from '../app-context.js';
import { currentUser } from '../auth.js';
import { getConfigItem } from '../config-item-store.js';
import { errorResponses, notFound } from '../http-errors.js';
import { numericIdParams, workItemIdParams } from '../id-params.js';
import { visibleWorkItem } from '../work-item-access.js';
import { recordWorkItemHistory } from '../work-item-history.js';
import { touchWorkItem } from '../work-item-store.js';

const access = requires(['work-items:all'], 'relate configuration items to work items');
const workItems = { kind: 'work item', path: '/api/v1/work-items' };
const configItems = { kind: 'configuration item', path: '/api/v1/config-items' };
const tags = ['work items'];

const CiRef = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'class', 'name', 'addedBy', 'addedAt'],
  properties: {
    id: { type: 'integer' },
    class: { type: 'string' },
    name: { type: 'string' },
    addedBy: { type: 'string' },
    addedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const WiRef = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'displayId', 'title', 'status'],
  properties: {
    id: { type: 'integer' },
    displayId: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'string' },
  },
} as const;

const list = (items: object) => ({
  type: 'object',
  required: ['items'],
  properties: { items: { type: 'array', items, maxItems: 1000 } },
});

export const relatedConfigItemRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const related = async (workItemId: number) => {
    const r = await ctx.db.query<{
      id: number;
      class: string;
      name: string;
      added_by: string;
      added_at: Date;
    }>(
      `SELECT c.id, c.class, c.name, r.added_by, r.added_at
         FROM work_item_config_items r JOIN config_items c ON c.id = r.config_item_id
        WHERE r.work_item_id = $1 ORDER BY c.class, c.name LIMIT 1000`,
      [workItemId],
    );
    return r.rows.map((x) => ({
      id: Number(x.id),
      class: x.class,
      name: x.name,
      addedBy: x.added_by,
      addedAt: x.added_at.toISOString(),
    }));
  };

  app.get(
    '/work-items/:id/config-items',
    {
      config: { resource: workItems, access },
      schema: {
        tags,
        summary: 'The configuration items related to a work item',
        params: workItemIdParams,
        response: { 200: list(CiRef), ...errorResponses },
      },
    },
    async (request) => ({ items: await related((await visibleWorkItem(ctx.db, request)).id) }),
  );

  app.post<{ Params: { id: string }; Body: { configItemId: number } }>(
    '/work-items/:id/config-items',
    {
      config: { resource: workItems, access },
      schema: {
        tags,
        summary: 'Relate a configuration item to a work item (again: no change, 200)',
        params: workItemIdParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['configItemId'],
          properties: { configItemId: { type: 'integer', minimum: 1, maximum: 999_999_999_999_999 } },
        },
        response: { 200: list(CiRef), 201: list(CiRef), ...errorResponses },
      },
    },
    async (request, reply) => {
      const actor = currentUser(request).username;
      const ciId = request.body.configItemId;
      const created = await ctx.db.transaction(async (tx) => {
        const wi = await visibleWorkItem(tx, request, true);
        const ci = await getConfigItem(tx, ciId);
        if (!ci) {
          throw new SmgrError('NOT_FOUND', {
            kind: configItems.kind,
            id: String(ciId),
            path: configItems.path,
          });
        }
        const r = await tx.query(
          `INSERT INTO work_item_config_items (work_item_id, config_item_id, added_by) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING`,
          [wi.id, ci.id, actor],
        );
        if (r.rowCount === 0) return { wi, created: false };
        const what = { configItemId: ci.id, class: ci.class, name: ci.name };
        await recordWorkItemHistory(tx, wi.id, actor, { related: what });
        await touchWorkItem(tx, wi.id);
        await audit(tx, actor, 'work-item.config-item-related', `work-item:${wi.id}`, what);
        return { wi, created: true };
      });
      return reply.status(created.created ? 201 : 200).send({ items: await related(created.wi.id) });
    },
  );

  app.delete<{ Params: { id: string; configItemId: string } }>(
    '/work-items/:id/config-items/:configItemId',
    {
      config: { resource: workItems, access },
      schema: {
        tags,
        summary: 'Unrelate a configuration item from a work item',
        params: {
          type: 'object',
          additionalProperties: false,
          required: ['id', 'configItemId'],
          properties: {
            id: workItemIdParams.properties.id,
            configItemId: numericIdParams.properties.id,
          },
        },
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const actor = currentUser(request).username;
      await ctx.db.transaction(async (tx) => {
        const wi = await visibleWorkItem(tx, request, true);
        const r = await tx.query<{ config_item_id: number }>(
          'DELETE FROM work_item_config_items WHERE work_item_id = $1 AND config_item_id = $2 RETURNING config_item_id',
          [wi.id, Number(request.params.configItemId)],
        );
        if (r.rows.length === 0) {
          throw new SmgrError('NOT_FOUND', {
            kind: 'relation to configuration item',
            id: request.params.configItemId,
            path: `${workItems.path}/${wi.displayId}/config-items`,
          });
        }
        const ci = await getConfigItem(tx, Number(request.params.configItemId));
        const what = { configItemId: Number(request.params.configItemId), class: ci?.class, name: ci?.name };
        await recordWorkItemHistory(tx, wi.id, actor, { unrelated: what });
        await touchWorkItem(tx, wi.id);
        await audit(tx, actor, 'work-item.config-item-unrelated', `work-item:${wi.id}`, what);
      });
      return reply.status(204).send(null);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/config-items/:id/work-items',
    {
      config: { resource: configItems, access },
      schema: {
        tags: ['configuration items'],
        summary: 'The work items a configuration item is related to, newest first',
        params: numericIdParams,
        response: { 200: list(WiRef), ...errorResponses },
      },
    },
    async (request) => {
      const ci = await getConfigItem(ctx.db, Number(request.params.id));
      if (!ci) throw notFound(request, request.params.id);
      const r = await ctx.db.query<{ id: number; display_id: string; title: string; status: string }>(
        `SELECT w.id, w.display_id, w.title, w.status
           FROM work_item_config_items r JOIN work_items w ON w.id = r.work_item_id
          WHERE r.config_item_id = $1 ORDER BY w.id DESC LIMIT 1000`,
        [ci.id],
      );
      return {
        items: r.rows.map((w) => ({
          id: Number(w.id),
          displayId: w.display_id,
          title: w.title,
          status: w.status,
        })),
      };
    },
  );
};
