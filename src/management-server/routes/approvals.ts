/**
 * Approvals. Analysts and administrators ask a user to approve a work item
 * (POST /work-items/:id/approvals); whoever may see a work item sees its
 * approvals. GET /approvals lists approvals: an end user only those assigned
 * to them (My Approvals); analysts and administrators any, filtered by
 * approver and status. The approver alone answers one, once
 * (POST /approvals/:id/decision: approved or rejected, with a comment); an
 * end user asking for an approval assigned to someone else gets the 404 of a
 * missing one. Each step is one transaction with its work item history entry,
 * audit row and notification.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { audit } from '../../audit/audit.js';
import { SmgrError } from '../../errors/smgr-error.js';
import { forbidden, requires, userCan } from '../access.js';
import type { AppContext } from '../app-context.js';
import {
  APPROVAL_DECISIONS,
  APPROVAL_STATUSES,
  ApprovalRef,
  decideApproval,
  getApproval,
  insertApproval,
  listApprovals,
} from '../approval-store.js';
import { currentUser } from '../auth.js';
import { errorResponses, notFound } from '../http-errors.js';
import { numericIdParams, workItemIdParams } from '../id-params.js';
import { cursorSchema, decodeIdCursor, limitSchema, pageSchema, parseLimit, toPage } from '../pagination.js';
import { can } from '../roles.js';
import { getUser, USERNAME_PATTERN } from '../user-store.js';
import { visibleWorkItem } from '../work-item-access.js';
import { recordWorkItemHistory } from '../work-item-history.js';
import { touchWorkItem } from '../work-item-store.js';
import { enqueueNotification } from '../workflows/notifications.js';

const LIST = 'approvals';
const workItemResource = { kind: 'work item', path: '/api/v1/work-items' };
const resource = { kind: 'approval', path: '/api/v1/approvals' };

const RequestBody = Type.Object(
  {
    approver: Type.String({ pattern: USERNAME_PATTERN, description: 'The user name of who is to answer.' }),
    title: Type.String({ minLength: 1, maxLength: 500, description: 'What the approver is asked.' }),
  },
  { additionalProperties: false },
);

const DecisionBody = Type.Object(
  {
    decision: Type.Enum([...APPROVAL_DECISIONS]),
    comment: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
  },
  { additionalProperties: false },
);

const page = {
  limit: Type.Optional(Type.Unsafe<string>(limitSchema)),
  cursor: Type.Optional(Type.Unsafe<string>(cursorSchema)),
};
const WorkItemQuery = Type.Object(page, { additionalProperties: false });
const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.Enum([...APPROVAL_STATUSES])),
    approver: Type.Optional(
      Type.String({ pattern: USERNAME_PATTERN, description: 'Analysts and administrators.' }),
    ),
    ...page,
  },
  { additionalProperties: false },
);

const tags = ['approvals'];
const ask = requires(['approvals:request'], 'ask for approvals');
const readOfItem = requires(
  ['work-items:own', 'work-items:all'],
  'read work items',
  'End users: only on the work items they are the affected user of (any other is 404).',
);
const mine = requires(
  ['approvals:answer', 'approvals:all'],
  'see approvals',
  'End users: only the approvals assigned to them (any other is 404).',
);
const answer = requires(['approvals:answer'], 'answer approvals', 'Only the approver answers, once.');

/** The approver an approval lookup is limited to: the user, unless they may see every approval. */
const approverScope = (request: FastifyRequest): string | undefined =>
  userCan(request, 'approvals:all') ? undefined : currentUser(request).username;

export const approvalRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (plain, { ctx }) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/work-items/:id/approvals',
    {
      config: { resource: workItemResource, access: ask },
      schema: {
        tags,
        summary: 'Ask a user to approve a work item',
        params: Type.Unsafe<{ id: string }>(workItemIdParams),
        body: RequestBody,
        response: { 201: ApprovalRef, ...errorResponses },
      },
    },
    async (request, reply) => {
      const actor = currentUser(request).username;
      const { approver, title } = request.body;
      const created = await ctx.db.transaction(async (tx) => {
        const wi = await visibleWorkItem(tx, request, true);
        const user = await getUser(tx, approver);
        if (!user || user.disabled || !can(user.role, 'approvals:answer')) {
          throw new SmgrError('VALIDATION', {
            detail: `body/approver "${approver}" names no enabled user who may answer approvals`,
          });
        }
        const a = await insertApproval(tx, { workItemId: wi.id, approver, title, requestedBy: actor });
        await recordWorkItemHistory(tx, wi.id, actor, { approvalRequested: { id: a.id, approver } });
        await audit(tx, actor, 'approval.requested', wi.displayId, { approval: a.id, approver });
        await enqueueNotification(tx, 'work-item.approval-requested', await touchWorkItem(tx, wi.id), [
          'approvals',
        ]);
        return a;
      });
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/work-items/:id/approvals',
    {
      config: { resource: workItemResource, access: readOfItem },
      schema: {
        tags,
        summary: 'The approvals of a work item (keyset pagination by id)',
        params: Type.Unsafe<{ id: string }>(workItemIdParams),
        querystring: WorkItemQuery,
        response: { 200: pageSchema('Approval'), ...errorResponses },
      },
    },
    async (request) => {
      const limit = parseLimit(request.query.limit);
      const afterId = request.query.cursor ? decodeIdCursor(LIST, request.query.cursor) : 0;
      const wi = await visibleWorkItem(ctx.db, request);
      const rows = await listApprovals(ctx.db, { workItemId: wi.id, afterId, limit: limit + 1 });
      return toPage(rows, limit, LIST, (a) => String(a.id));
    },
  );

  app.get(
    '/approvals',
    {
      config: { access: mine },
      schema: {
        tags,
        summary: 'List approvals: yours, or (analysts) anyone’s (keyset pagination by id)',
        querystring: ListQuery,
        response: { 200: pageSchema('Approval'), ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = parseLimit(q.limit);
      const afterId = q.cursor ? decodeIdCursor(LIST, q.cursor) : 0;
      const scope = approverScope(request);
      if (scope !== undefined && q.approver !== undefined && q.approver !== scope) {
        throw forbidden(request, 'see the approvals of other users');
      }
      const rows = await listApprovals(ctx.db, {
        approver: scope ?? q.approver,
        status: q.status,
        afterId,
        limit: limit + 1,
      });
      return toPage(rows, limit, LIST, (a) => String(a.id));
    },
  );

  app.get(
    '/approvals/:id',
    {
      config: { resource, access: mine },
      schema: {
        tags,
        summary: 'Get an approval',
        params: Type.Unsafe<{ id: string }>(numericIdParams),
        response: { 200: ApprovalRef, ...errorResponses },
      },
    },
    async (request) => {
      const a = await getApproval(ctx.db, Number(request.params.id), approverScope(request));
      if (!a) throw notFound(request, request.params.id);
      return a;
    },
  );

  app.post(
    '/approvals/:id/decision',
    {
      config: { resource, access: answer },
      schema: {
        tags,
        summary: 'Answer an approval assigned to you: approved or rejected, with a comment',
        params: Type.Unsafe<{ id: string }>(numericIdParams),
        body: DecisionBody,
        response: { 200: ApprovalRef, ...errorResponses },
      },
    },
    async (request) => {
      const me = currentUser(request).username;
      const { decision, comment } = request.body;
      return ctx.db.transaction(async (tx) => {
        const a = await getApproval(tx, Number(request.params.id), approverScope(request), true);
        if (!a) throw notFound(request, request.params.id);
        if (a.approver !== me) throw forbidden(request, 'answer an approval assigned to someone else');
        if (a.status !== 'pending') throw new SmgrError('APPROVAL_DECIDED', { id: a.id, status: a.status });
        const decided = await decideApproval(tx, a.id, decision, comment ?? null);
        await recordWorkItemHistory(tx, a.workItem.id, me, { approval: { id: a.id, decision } });
        await audit(tx, me, 'approval.answered', a.workItem.displayId, { approval: a.id, decision });
        await enqueueNotification(tx, 'work-item.approval-answered', await touchWorkItem(tx, a.workItem.id), [
          'approvals',
        ]);
        return decided;
      });
    },
  );
};
