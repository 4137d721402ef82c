/**
 * /api/v1/config-items: create, read, patch (name, properties) and list
 * configuration items. Every body, param and query is schema-checked; a
 * duplicate (class, name) is 409 CONFLICT; each create and update is audited
 * in the same transaction as the write.
 */

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { audit } from '../../audit/audit.js';
import {
  checkExtensionProperties,
  withVisibleProperties,
} from '../../management-packs/extension-properties.js';
import { activeCatalog } from '../../management-packs/pack-store.js';
import { requires } from '../access.js';
import type { AppContext } from '../app-context.js';
import { currentUser } from '../auth.js';
import {
  CONFIG_ITEM_CLASSES,
  type ConfigItem,
  ConfigItemChangesSchema,
  getConfigItem,
  insertConfigItem,
  listConfigItems,
  NewConfigItemSchema,
  updateConfigItem,
} from '../config-item-store.js';
import { errorResponses, notFound } from '../http-errors.js';
import { type IdParams, numericIdParams } from '../id-params.js';
import { checkPropertiesDepth } from '../json-properties.js';
import { cursorSchema, decodeIdCursor, limitSchema, pageSchema, parseLimit, toPage } from '../pagination.js';

const LIST = 'config-items';
const PATH = '/api/v1/config-items';
const resource = { kind: 'configuration item', path: PATH };

const ListQuery = Type.Object(
  {
    class: Type.Optional(Type.Enum([...CONFIG_ITEM_CLASSES])),
    limit: Type.Optional(Type.Unsafe<string>(limitSchema)),
    cursor: Type.Optional(Type.Unsafe<string>(cursorSchema)),
  },
  { additionalProperties: false },
);

const Params = Type.Unsafe<IdParams>(numericIdParams);

const item = Type.Unsafe<ConfigItem>({ $ref: 'ConfigItem#' });
const common = { tags: ['configuration items'] };
const read = requires(['config-items:read'], 'read configuration items');
const write = requires(['config-items:write'], 'change configuration items');
const target = (id: number) => `config-item:${id}`;

export const configItemRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (plain, { ctx }) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/config-items',
    {
      config: { access: write },
      schema: {
        ...common,
        summary: 'Create a configuration item',
        body: NewConfigItemSchema,
        response: { 201: item, ...errorResponses },
      },
    },
    async (request, reply) => {
      const actor = currentUser(request).username;
      checkPropertiesDepth(request.body.properties);
      const created = await ctx.db.transaction(async (tx) => {
        const catalog = await activeCatalog(tx);
        const given = request.body.properties;
        const properties = checkExtensionProperties(catalog, request.body.class, given ?? {});
        const body =
          given !== undefined || Object.keys(properties).length > 0
            ? { ...request.body, properties }
            : request.body;
        const ci = withVisibleProperties(catalog, await insertConfigItem(tx, body));
        await audit(tx, actor, 'config-item.created', target(ci.id), { class: ci.class, name: ci.name });
        return ci;
      });
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/config-items',
    {
      config: { access: read },
      schema: {
        ...common,
        summary: 'List configuration items (keyset pagination by id)',
        querystring: ListQuery,
        response: { 200: pageSchema('ConfigItem'), ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = parseLimit(q.limit);
      const afterId = q.cursor ? decodeIdCursor(LIST, q.cursor) : 0;
      const rows = await listConfigItems(ctx.db, { class: q.class, afterId, limit: limit + 1 });
      const catalog = await activeCatalog(ctx.db);
      return toPage(
        rows.map((c) => withVisibleProperties(catalog, c)),
        limit,
        LIST,
        (c) => String(c.id),
      );
    },
  );

  app.get(
    '/config-items/:id',
    {
      config: { resource, access: read },
      schema: {
        ...common,
        summary: 'Get a configuration item',
        params: Params,
        response: { 200: item, ...errorResponses },
      },
    },
    async (request) => {
      const ci = await getConfigItem(ctx.db, Number(request.params.id));
      if (!ci) throw notFound(request, request.params.id);
      return withVisibleProperties(await activeCatalog(ctx.db), ci);
    },
  );

  app.patch(
    '/config-items/:id',
    {
      config: { resource, access: write },
      schema: {
        ...common,
        summary: 'Rename a configuration item or replace its properties',
        params: Params,
        body: ConfigItemChangesSchema,
        response: { 200: item, ...errorResponses },
      },
    },
    async (request) => {
      const actor = currentUser(request).username;
      checkPropertiesDepth(request.body.properties);
      const updated = await ctx.db.transaction(async (tx) => {
        const catalog = await activeCatalog(tx);
        const found = await updateConfigItem(tx, Number(request.params.id), request.body, (given, cls, old) =>
          checkExtensionProperties(catalog, cls, given, old),
        );
        const ci = found && withVisibleProperties(catalog, found);
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
