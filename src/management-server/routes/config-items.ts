/**
 * /api/v1/config-items: create, read, patch (name, properties) and list
 * configuration items. Every body, param and query is schema-checked; a
 * duplicate (class, name) is 409 CONFLICT; each create and update is audited
 * in the same transaction as the write.
 */
import type { FastifyPluginAsync } from 'fastify';
import { audit } from '../../management-group/audit.js';
import { requires } from '../access.js';
import type { AppContext } from '../app-context.js';
import { currentUser } from '../auth.js';
import {
  CONFIG_ITEM_CLASSES,
  type ConfigItemChanges,
  type ConfigItemClass,
  getConfigItem,
  insertConfigItem,
  listConfigItems,
  type NewConfigItem,
  updateConfigItem,
} from '../config-item-store.js';
import { errorResponses, notFound } from '../http-errors.js';
import { type IdParams, numericIdParams } from '../id-params.js';
import { checkPropertiesDepth, propertiesSchema } from '../json-properties.js';
import { cursorSchema, decodeIdCursor, limitSchema, pageSchema, parseLimit, toPage } from '../pagination.js';

const LIST = 'config-items';
const PATH = '/api/v1/config-items';
const resource = { kind: 'configuration item', path: PATH };

const nameSchema = { type: 'string', minLength: 1, maxLength: 255 } as const;

/** Shared schema ConfigItem; build-app.ts adds it to the root instance. */
export const configItemSchema = {
  $id: 'ConfigItem',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'class', 'name', 'properties', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'integer' },
    class: { type: 'string', enum: CONFIG_ITEM_CLASSES },
    name: { type: 'string' },
    properties: { type: 'object', additionalProperties: true },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['class', 'name'],
  properties: {
    class: { type: 'string', enum: CONFIG_ITEM_CLASSES },
    name: nameSchema,
    properties: propertiesSchema,
  },
} as const;

const patchBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  description: 'name and/or properties; class cannot change. properties replaces the whole object.',
  properties: { name: nameSchema, properties: propertiesSchema },
} as const;

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    class: { type: 'string', enum: CONFIG_ITEM_CLASSES },
    limit: limitSchema,
    cursor: cursorSchema,
  },
} as const;

interface ListQuery {
  class?: ConfigItemClass;
  limit?: string;
  cursor?: string;
}

const item = { $ref: 'ConfigItem#' } as const;
const common = { tags: ['configuration items'] };
const read = requires(['config-items:read'], 'read configuration items');
const write = requires(['config-items:write'], 'change configuration items');
const target = (id: number) => `config-item:${id}`;

export const configItemRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.post<{ Body: NewConfigItem }>(
    '/config-items',
    {
      config: { access: write },
      schema: {
        ...common,
        summary: 'Create a configuration item',
        body: createBody,
        response: { 201: item, ...errorResponses },
      },
    },
    async (request, reply) => {
      const actor = currentUser(request).username;
      checkPropertiesDepth(request.body.properties);
      const created = await ctx.db.transaction(async (tx) => {
        const ci = await insertConfigItem(tx, request.body);
        await audit(tx, actor, 'config-item.created', target(ci.id), { class: ci.class, name: ci.name });
        return ci;
      });
      return reply.status(201).send(created);
    },
  );

  app.get<{ Querystring: ListQuery }>(
    '/config-items',
    {
      config: { access: read },
      schema: {
        ...common,
        summary: 'List configuration items (keyset pagination by id)',
        querystring: listQuery,
        response: { 200: pageSchema('ConfigItem'), ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = parseLimit(q.limit);
      const afterId = q.cursor ? decodeIdCursor(LIST, q.cursor) : 0;
      const rows = await listConfigItems(ctx.db, { class: q.class, afterId, limit: limit + 1 });
      return toPage(rows, limit, LIST, (c) => String(c.id));
    },
  );

  app.get<{ Params: IdParams }>(
    '/config-items/:id',
    {
      config: { resource, access: read },
      schema: {
        ...common,
        summary: 'Get a configuration item',
        params: numericIdParams,
        response: { 200: item, ...errorResponses },
      },
    },
    async (request) => {
      const ci = await getConfigItem(ctx.db, Number(request.params.id));
      if (!ci) throw notFound(request, request.params.id);
      return ci;
    },
  );

  app.patch<{ Params: IdParams; Body: ConfigItemChanges }>(
    '/config-items/:id',
    {
      config: { resource, access: write },
      schema: {
        ...common,
        summary: 'Rename a configuration item or replace its properties',
        params: numericIdParams,
        body: patchBody,
        response: { 200: item, ...errorResponses },
      },
    },
    async (request) => {
      const actor = currentUser(request).username;
      checkPropertiesDepth(request.body.properties);
      const updated = await ctx.db.transaction(async (tx) => {
        const ci = await updateConfigItem(tx, Number(request.params.id), request.body);
        if (ci) {
          await audit(tx, actor, 'config-item.updated', target(ci.id), {
            class: ci.class,
            name: ci.name,
            fields: Object.keys(request.body),
          });
        }
        return ci;
      });
      if (!updated) throw notFound(request, request.params.id);
      return updated;
    },
  );
};
