/**
 * /api/v1/work-items/:id/comments and /history: the comments of a work item
 * and its history, for whoever may see the work item (an end user: their own
 * only; anyone else's is 404). A comment is added in one transaction with its
 * history entry, the work item's updatedAt bump and, if public, a
 * notification. Private comments (analysts' notes) and their history entries
 * are never shown to end users, who cannot write them.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { forbidden, requires, userCan } from '../access.js';
import type { AppContext } from '../app-context.js';
import { currentUser } from '../auth.js';
import { CommentRef, insertComment, listComments } from '../comment-store.js';
import { errorResponses } from '../http-errors.js';
import { workItemIdParams } from '../id-params.js';
import { cursorSchema, decodeIdCursor, limitSchema, pageSchema, parseLimit, toPage } from '../pagination.js';
import { visibleWorkItem } from '../work-item-access.js';
import { listWorkItemHistory, recordWorkItemHistory } from '../work-item-history.js';
import { touchWorkItem } from '../work-item-store.js';
import { enqueueNotification } from '../workflows/notifications.js';

const resource = { kind: 'work item', path: '/api/v1/work-items' };
const OWN_ONLY = 'End users: only on the work items they are the affected user of (any other is 404).';

const Params = Type.Unsafe<{ id: string }>(workItemIdParams);

const CommentBody = Type.Object(
  {
    body: Type.String({ minLength: 1, maxLength: 10_000 }),
    private: Type.Optional(
      Type.Boolean({ default: false, description: 'An analysts-only note (not for end users).' }),
    ),
  },
  { additionalProperties: false },
);

const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Unsafe<string>(limitSchema)),
    cursor: Type.Optional(Type.Unsafe<string>(cursorSchema)),
  },
  { additionalProperties: false },
);

const read = requires(['work-items:own', 'work-items:all'], 'read work items', OWN_ONLY);
const comment = requires(
  ['work-items:own', 'work-items:all'],
  'comment on work items',
  `${OWN_ONLY} Private comments: analysts and administrators.`,
);

export const commentRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (plain, { ctx }) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/work-items/:id/comments',
    {
      config: { resource, access: comment },
      schema: {
        tags: ['work items'],
        summary: 'Comment on a work item',
        params: Params,
        body: CommentBody,
        response: { 201: CommentRef, ...errorResponses },
      },
    },
    async (request, reply) => {
      const actor = currentUser(request).username;
      const isPrivate = request.body.private ?? false;
      const created = await ctx.db.transaction(async (tx) => {
        const wi = await visibleWorkItem(tx, request, true);
        if (isPrivate && !userCan(request, 'work-items:all'))
          throw forbidden(request, 'write private comments');
        const c = await insertComment(tx, {
          workItemId: wi.id,
          author: actor,
          body: request.body.body,
          private: isPrivate,
        });
        await recordWorkItemHistory(tx, wi.id, actor, { commented: { id: c.id, private: c.private } });
        const touched = await touchWorkItem(tx, wi.id);
        if (!c.private) await enqueueNotification(tx, 'work-item.commented', touched, ['comments']);
        return c;
      });
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/work-items/:id/comments',
    {
      config: { resource, access: read },
      schema: {
        tags: ['work items'],
        summary: 'The comments of a work item, oldest first (keyset pagination by id)',
        params: Params,
        querystring: PageQuery,
        response: { 200: pageSchema('Comment'), ...errorResponses },
      },
    },
    async (request) => {
      const limit = parseLimit(request.query.limit);
      const afterId = request.query.cursor ? decodeIdCursor('comments', request.query.cursor) : 0;
      const wi = await visibleWorkItem(ctx.db, request);
      const rows = await listComments(ctx.db, {
        workItemId: wi.id,
        includePrivate: userCan(request, 'work-items:all'),
        afterId,
        limit: limit + 1,
      });
      return toPage(rows, limit, 'comments', (c) => String(c.id));
    },
  );

  app.get(
    '/work-items/:id/history',
    {
      config: { resource, access: read },
      schema: {
        tags: ['work items'],
        summary: 'The history of a work item, oldest first (keyset pagination by id)',
        params: Params,
        querystring: PageQuery,
        response: { 200: pageSchema('HistoryEntry'), ...errorResponses },
      },
    },
    async (request) => {
      const limit = parseLimit(request.query.limit);
      const afterId = request.query.cursor ? decodeIdCursor('history', request.query.cursor) : 0;
      const wi = await visibleWorkItem(ctx.db, request);
      const rows = await listWorkItemHistory(ctx.db, {
        workItemId: wi.id,
        includePrivate: userCan(request, 'work-items:all'),
        afterId,
        limit: limit + 1,
      });
      return toPage(rows, limit, 'history', (h) => String(h.id));
    },
  );
};
