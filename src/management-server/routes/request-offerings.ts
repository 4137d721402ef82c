/**
 * The service catalog of the imported management packs, beside
 * GET /api/v1/request-offerings (routes/management-packs.ts):
 * GET /api/v1/service-offerings (published, every signed-in user) and
 * POST /api/v1/request-offerings/:id/requests, which creates the work item
 * of a published request offering: its template's values with the answers
 * put into the fields their questions map to (offering-request.ts), checked
 * against the packs' class extensions, the caller as its affected user. A
 * bad answer is 400 VALIDATION naming the question, and nothing is written;
 * the create is audited, recorded in the history and queues a notification
 * in the same transaction, as POST /work-items does.
 */
import type { FastifyPluginAsync } from 'fastify';
import { audit } from '../../audit/audit.js';
import {
  checkExtensionProperties,
  withVisibleProperties,
} from '../../management-packs/extension-properties.js';
import { offeringWorkItem, publishedOffering } from '../../management-packs/offering-request.js';
import { CONTENT_ID_PATTERN } from '../../management-packs/pack-schema.js';
import { activeCatalog, activePacks } from '../../management-packs/pack-store.js';
import { requires, signedIn } from '../access.js';
import type { AppContext } from '../app-context.js';
import { currentUser } from '../auth.js';
import { errorResponses, notFound } from '../http-errors.js';
import { recordWorkItemHistory } from '../work-item-history.js';
import { insertWorkItem, type NewWorkItem } from '../work-item-store.js';
import { enqueueNotification } from '../workflows/notifications.js';

const tags = ['service catalog'];
const nullableString = { type: ['string', 'null'] } as const;
const resource = { kind: 'request offering', path: '/api/v1/request-offerings' };
const submit = requires(
  ['work-items:own', 'work-items:all'],
  'submit request offerings',
  'The work item created has the caller as its affected user.',
);

const serviceOfferingSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'packId', 'title', 'category'],
  properties: {
    id: { type: 'string' },
    packId: { type: 'string' },
    title: { type: 'string' },
    description: nullableString,
    category: { type: 'string' },
  },
} as const;

export const requestOfferingRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/service-offerings',
    {
      config: { access: signedIn() },
      schema: {
        tags,
        summary: 'The published service offerings of the imported management packs',
        response: {
          200: {
            type: 'object',
            required: ['items'],
            properties: { items: { type: 'array', items: serviceOfferingSchema } },
          },
          ...errorResponses,
        },
      },
    },
    async () => {
      const items = [];
      for (const p of await activePacks(ctx.db))
        for (const s of p.serviceOfferings ?? [])
          if (s.status === 'published')
            items.push({
              id: s.id,
              packId: p.id,
              title: s.title,
              description: s.description ?? null,
              category: s.category,
            });
      return { items };
    },
  );

  app.post<{ Params: { id: string }; Body: { answers: Record<string, unknown> } }>(
    '/request-offerings/:id/requests',
    {
      config: { resource, access: submit },
      schema: {
        tags,
        summary: 'Submit a published request offering: creates its work item, the caller as affected user',
        params: {
          type: 'object',
          additionalProperties: false,
          required: ['id'],
          properties: { id: { type: 'string', pattern: CONTENT_ID_PATTERN, maxLength: 200 } },
        },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['answers'],
          properties: {
            answers: {
              type: 'object',
              maxProperties: 50,
              description: 'Question id → answer (a string, number, boolean or list item id).',
              additionalProperties: { type: ['string', 'number', 'boolean', 'null'] },
            },
          },
        },
        response: { 201: { $ref: 'WorkItem#' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const actor = currentUser(request).username;
      const created = await ctx.db.transaction(async (tx) => {
        const catalog = await activeCatalog(tx);
        const found = publishedOffering(catalog, request.params.id);
        if (!found) throw notFound(request, request.params.id);
        const made = offeringWorkItem(catalog, found.offering, found.template, request.body.answers);
        const properties = checkExtensionProperties(catalog, made.class, made.properties);
        const body = { ...made, properties, affectedUser: actor } as NewWorkItem;
        const wi = withVisibleProperties(catalog, await insertWorkItem(tx, body));
        await audit(tx, actor, 'work-item.created', wi.displayId, {
          id: wi.id,
          class: wi.class,
          requestOffering: found.offering.id,
        });
        await recordWorkItemHistory(tx, wi.id, actor, { created: body });
        await enqueueNotification(tx, 'work-item.created', wi);
        return wi;
      });
      return reply.status(201).send(created);
    },
  );
};
