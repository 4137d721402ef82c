/**
 * /api/v1/work-items: create, read, patch and list incidents and service
 * requests. Every body, param and query is schema-checked (unknown fields and
 * wrong types refused); class is immutable; each create and update is
 * audited (actor = the signed-in user) and queues a notification for the
 * outbox workflow, in the same transaction as the write. A work item is named
 * by its id or its display id (IR42). Analysts and administrators see and
 * change every work item; an end user only their own (work-item-access.ts:
 * anyone else's is the same 404 as a missing one).
 */

import type { FastifyPluginAsync } from 'fastify';
import { audit } from '../../audit/audit.js';
import {
  checkExtensionProperties,
  withVisibleProperties,
} from '../../management-packs/extension-properties.js';
import { activeCatalog } from '../../management-packs/pack-store.js';
import { requires } from '../access.js';
import type { AppContext } from '../app-context.js';
import { currentUser } from '../auth.js';
import { errorResponses, notFound } from '../http-errors.js';
import { type IdParams, workItemIdParams } from '../id-params.js';
import { checkPropertiesDepth, propertiesSchema } from '../json-properties.js';
import { cursorSchema, decodeIdCursor, limitSchema, pageSchema, parseLimit, toPage } from '../pagination.js';
import { checkEndUserFields, withOwnAffectedUser, workItemScope } from '../work-item-access.js';
import { recordWorkItemHistory } from '../work-item-history.js';
import {
  getWorkItem,
  insertWorkItem,
  listWorkItems,
  type NewWorkItem,
  parseWorkItemRef,
  updateWorkItem,
  WORK_ITEM_CLASSES,
  WORK_ITEM_PRIORITIES,
  WORK_ITEM_STATUSES,
  type WorkItemChanges,
  type WorkItemClass,
  type WorkItemStatus,
} from '../work-item-store.js';
import { enqueueNotification } from '../workflows/notifications.js';

const LIST = 'work-items';
const PATH = '/api/v1/work-items';
const resource = { kind: 'work item', path: PATH };

const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;
const nullableText = (max: number) => ({ type: ['string', 'null'], maxLength: max }) as const;

const mutableFields = {
  title: text(500),
  description: nullableText(100_000),
  priority: {
    type: ['integer', 'null'],
    minimum: Math.min(...WORK_ITEM_PRIORITIES),
    maximum: Math.max(...WORK_ITEM_PRIORITIES),
    description: `${Math.min(...WORK_ITEM_PRIORITIES)} (highest) to ${Math.max(...WORK_ITEM_PRIORITIES)}.`,
  },
  status: { type: 'string', enum: WORK_ITEM_STATUSES },
  assignedTo: nullableText(255),
  affectedUser: nullableText(255),
  properties: propertiesSchema,
} as const;

/** Shared schema WorkItem; build-app.ts adds it to the root instance. */
export const workItemSchema = {
  $id: 'WorkItem',
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'displayId',
    'class',
    'title',
    'description',
    'priority',
    'status',
    'assignedTo',
    'affectedUser',
    'properties',
    'createdAt',
    'updatedAt',
  ],
  properties: {
    id: { type: 'integer' },
    displayId: { type: 'string', description: 'IR<id> for incidents, SR<id> for service requests.' },
    class: { type: 'string', enum: WORK_ITEM_CLASSES },
    title: { type: 'string' },
    description: { type: ['string', 'null'] },
    priority: { type: ['integer', 'null'] },
    status: { type: 'string', enum: WORK_ITEM_STATUSES },
    assignedTo: { type: ['string', 'null'] },
    affectedUser: { type: ['string', 'null'] },
    properties: { type: 'object', additionalProperties: true },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['class', 'title'],
  properties: {
    class: { type: 'string', enum: WORK_ITEM_CLASSES },
    ...mutableFields,
    status: { ...mutableFields.status, default: 'active' },
  },
} as const;

const patchBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  description: 'Any of the mutable fields; class cannot change. properties replaces the whole object.',
  properties: mutableFields,
} as const;

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    class: { type: 'string', enum: WORK_ITEM_CLASSES },
    status: { type: 'string', enum: WORK_ITEM_STATUSES },
    order: { type: 'string', enum: ['oldest', 'newest'], description: 'oldest (default) or newest first.' },
    limit: limitSchema,
    cursor: cursorSchema,
  },
} as const;

interface ListQuery {
  class?: WorkItemClass;
  status?: WorkItemStatus;
  order?: 'oldest' | 'newest';
  limit?: string;
  cursor?: string;
}

const item = { $ref: 'WorkItem#' } as const;
const common = { tags: ['work items'] };
const OWN_ONLY = 'End users: only the work items they are the affected user of (any other is 404).';
const read = requires(['work-items:own', 'work-items:all'], 'read work items', OWN_ONLY);
const write = requires(
  ['work-items:own', 'work-items:all'],
  'change work items',
  `${OWN_ONLY} They set title, description and properties only; a work item they create is theirs.`,
);

export const workItemRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.post<{ Body: NewWorkItem }>(
    '/work-items',
    {
      config: { access: write },
      schema: {
        ...common,
        summary: 'Create a work item',
        body: createBody,
        response: { 201: item, ...errorResponses },
      },
    },
    async (request, reply) => {
      const actor = currentUser(request).username;
      checkPropertiesDepth(request.body.properties);
      checkEndUserFields(request, request.body, true);
      const asGiven = withOwnAffectedUser(request, request.body);
      const created = await ctx.db.transaction(async (tx) => {
        const catalog = await activeCatalog(tx);
        const properties = checkExtensionProperties(catalog, asGiven.class, asGiven.properties ?? {});
        const body =
          asGiven.properties !== undefined || Object.keys(properties).length > 0
            ? { ...asGiven, properties }
            : asGiven;
        const wi = withVisibleProperties(catalog, await insertWorkItem(tx, body));
        await audit(tx, actor, 'work-item.created', wi.displayId, { id: wi.id, class: wi.class });
        await recordWorkItemHistory(tx, wi.id, actor, { created: body });
        await enqueueNotification(tx, 'work-item.created', wi);
        return wi;
      });
      return reply.status(201).send(created);
    },
  );

  app.get<{ Querystring: ListQuery }>(
    '/work-items',
    {
      config: { access: read },
      schema: {
        ...common,
        summary: 'List work items (keyset pagination by id)',
        querystring: listQuery,
        response: { 200: pageSchema('WorkItem'), ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = parseLimit(q.limit);
      // A newest-first cursor is of its own list, so it cannot be mixed up with an oldest-first one.
      const list = q.order === 'newest' ? `${LIST}-newest` : LIST;
      const afterId = q.cursor ? decodeIdCursor(list, q.cursor) : 0;
      const rows = await listWorkItems(ctx.db, {
        class: q.class,
        status: q.status,
        affectedUser: workItemScope(request).affectedUser,
        afterId,
        limit: limit + 1,
        newestFirst: q.order === 'newest',
      });
      const catalog = await activeCatalog(ctx.db);
      return toPage(
        rows.map((w) => withVisibleProperties(catalog, w)),
        limit,
        list,
        (w) => String(w.id),
      );
    },
  );

  app.get<{ Params: IdParams }>(
    '/work-items/:id',
    {
      config: { resource, access: read },
      schema: {
        ...common,
        summary: 'Get a work item by id or display id',
        params: workItemIdParams,
        response: { 200: item, ...errorResponses },
      },
    },
    async (request) => {
      const wi = await getWorkItem(ctx.db, parseWorkItemRef(request.params.id), workItemScope(request));
      if (!wi) throw notFound(request, request.params.id);
      return withVisibleProperties(await activeCatalog(ctx.db), wi);
    },
  );

  app.patch<{ Params: IdParams; Body: WorkItemChanges }>(
    '/work-items/:id',
    {
      config: { resource, access: write },
      schema: {
        ...common,
        summary: 'Change a work item',
        params: workItemIdParams,
        body: patchBody,
        response: { 200: item, ...errorResponses },
      },
    },
    async (request) => {
      const actor = currentUser(request).username;
      checkPropertiesDepth(request.body.properties);
      const ref = parseWorkItemRef(request.params.id);
      const scope = workItemScope(request);
      const updated = await ctx.db.transaction(async (tx) => {
        // An end user's refused field is 403 only on their own work item; on anyone else's it is 404.
        if (scope.affectedUser && !(await getWorkItem(tx, ref, scope))) return undefined;
        checkEndUserFields(request, request.body);
        const catalog = await activeCatalog(tx);
        const found = await updateWorkItem(tx, ref, request.body, scope, (given, old) =>
          checkExtensionProperties(catalog, old.class, given, old.properties),
        );
        const wi = found && withVisibleProperties(catalog, found);
        if (wi) {
          await recordWorkItemHistory(tx, wi.id, actor, { changed: request.body });
          await audit(tx, actor, 'work-item.updated', wi.displayId, {
            id: wi.id,
            fields: Object.keys(request.body),
          });
          await enqueueNotification(tx, 'work-item.updated', wi, Object.keys(request.body));
        }
        return wi;
      });
      if (!updated) throw notFound(request, request.params.id);
      return updated;
    },
  );
};
