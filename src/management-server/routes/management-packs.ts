/**
 * /api/v1/management-packs (docs/MANAGEMENT-PACKS.md §8): every signed-in
 * user lists and reads the packs; administrators import (POST: a new pack,
 * an unsealed overwrite or a sealed upgrade) and remove (DELETE: hides,
 * never deletes). The domain rules are src/management-packs/import-pack.ts;
 * a refusal changes nothing. /api/v1/request-offerings: the published
 * request offerings of the imported packs, with their questions (the
 * portal's catalog), for every signed-in user. Administrators edit unsealed
 * packs in place (edit-pack.ts): add a list item, add a template, publish or
 * withdraw a request offering; a sealed pack is 409 PACK_SEALED.
 */
import type { FastifyPluginAsync } from 'fastify';
import { SmgrError } from '../../errors/smgr-error.js';
import { addListItem, addTemplate, editPack, setOfferingStatus } from '../../management-packs/edit-pack.js';
import { importPack, removePack } from '../../management-packs/import-pack.js';
import { everyItem, PackCatalog } from '../../management-packs/pack-catalog.js';
import {
  CONTENT_ID_PATTERN,
  PACK_ID_PATTERN,
  type PackQuestion,
} from '../../management-packs/pack-schema.js';
import { activePacks, getPack, listPacks } from '../../management-packs/pack-store.js';
import { CONTENT_KINDS, packSummary } from '../../management-packs/pack-summary.js';
import { requires, signedIn } from '../access.js';
import type { AppContext } from '../app-context.js';
import { currentUser } from '../auth.js';
import { errorResponses } from '../http-errors.js';

const PATH = '/api/v1/management-packs';
const resource = { kind: 'management pack', path: PATH };
const common = { tags: ['management packs'] };
const manage = requires(['management-packs'], 'import or remove management packs');

const idParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', pattern: PACK_ID_PATTERN, maxLength: 128 } },
} as const;

const anyObject = { type: 'object', additionalProperties: true } as const;
const nullableString = { type: ['string', 'null'] } as const;

export const PackSummarySchema = {
  $id: 'ManagementPack',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'version', 'name', 'sealed', 'keyFingerprint', 'importedAt', 'importedBy', 'removedAt'],
  properties: {
    id: { type: 'string' },
    version: { type: 'string', description: 'major.minor.build.revision' },
    name: { type: 'string' },
    description: nullableString,
    sealed: { type: 'boolean' },
    keyFingerprint: {
      ...nullableString,
      description: 'sha256:<hex> of the sealing key; null when unsealed.',
    },
    importedAt: { type: 'string', format: 'date-time' },
    importedBy: { type: 'string' },
    removedAt: { ...nullableString, description: 'Set when the pack is removed (hidden; its data is kept).' },
    references: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: { id: { type: 'string' }, minVersion: { type: 'string' } },
      },
    },
    contents: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(CONTENT_KINDS.map((k) => [k, { type: 'integer' }])),
    },
  },
} as const;

const outcomeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'version', 'sealed', 'keyFingerprint', 'outcome'],
  properties: {
    id: { type: 'string' },
    version: { type: 'string' },
    sealed: { type: 'boolean' },
    keyFingerprint: nullableString,
    outcome: { type: 'string', enum: ['imported', 'overwritten', 'upgraded', 'unchanged', 'restored'] },
  },
} as const;

const contentId = { type: 'string', pattern: CONTENT_ID_PATTERN, maxLength: 200 } as const;
const editParams = (second: string) =>
  ({
    type: 'object',
    additionalProperties: false,
    required: ['id', second],
    properties: { id: idParams.properties.id, [second]: contentId },
  }) as const;
const editOutcome = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'version'],
  properties: { id: { type: 'string' }, version: { type: 'string', description: 'The revision is bumped.' } },
} as const;
const editCommon = { ...common, description: 'Unsealed packs only (a sealed one is 409 PACK_SEALED).' };

const questionSchema = { type: 'object', additionalProperties: true } as const;

const offeringSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'packId', 'title', 'category', 'template', 'questions'],
  properties: {
    id: { type: 'string' },
    packId: { type: 'string' },
    title: { type: 'string' },
    description: nullableString,
    category: { type: 'string' },
    serviceOffering: nullableString,
    template: { type: 'string' },
    class: { type: 'string', description: 'The work item class a submission creates.' },
    questions: { type: 'array', items: questionSchema },
  },
} as const;

export const managementPackRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get<{ Querystring: { all?: 'true' | 'false' } }>(
    '/management-packs',
    {
      config: { access: signedIn() },
      schema: {
        ...common,
        summary: 'List the imported management packs',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            all: { type: 'string', enum: ['true', 'false'], description: 'Also removed packs.' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['items'],
            properties: { items: { type: 'array', items: { $ref: 'ManagementPack#' } } },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const packs = await listPacks(ctx.db, { includeRemoved: request.query.all === 'true' });
      return { items: packs.map(packSummary) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/management-packs/:id',
    {
      config: { resource, access: signedIn() },
      schema: {
        ...common,
        summary: 'Get a management pack: its summary and its document (sealed ones with their seal)',
        params: idParams,
        response: {
          200: {
            type: 'object',
            required: ['pack', 'document'],
            properties: { pack: { $ref: 'ManagementPack#' }, document: anyObject },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const p = await getPack(ctx.db, request.params.id);
      if (!p) throw new SmgrError('PACK_NOT_FOUND', { id: request.params.id });
      return { pack: packSummary(p), document: p.document };
    },
  );

  app.post<{ Body: Record<string, unknown> }>(
    '/management-packs',
    {
      config: { access: manage },
      schema: {
        ...common,
        summary:
          'Import a management pack (docs/MANAGEMENT-PACKS.md): new, unsealed overwrite, or sealed upgrade',
        description:
          'The body is the pack document. 201 when the pack is new, 200 otherwise. A refusal lists every problem with its JSON path and writes nothing.',
        body: { ...anyObject, description: 'A management pack document (docs/MANAGEMENT-PACKS.md §2).' },
        response: { 200: outcomeSchema, 201: outcomeSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const r = await importPack(ctx.db, request.body, currentUser(request).username);
      return reply.status(r.outcome === 'imported' ? 201 : 200).send(r);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/management-packs/:id',
    {
      config: { resource, access: manage },
      schema: {
        ...common,
        summary: 'Remove a management pack: hides it and what it defined; nothing is deleted',
        params: idParams,
        response: {
          200: {
            type: 'object',
            required: ['id', 'removed'],
            properties: { id: { type: 'string' }, removed: { type: 'boolean' } },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => removePack(ctx.db, request.params.id, currentUser(request).username),
  );

  app.post<{
    Params: { id: string; listId: string };
    Body: { id: string; name: string; description?: string; parent?: string };
  }>(
    '/management-packs/:id/enumerations/:listId/items',
    {
      config: { resource, access: manage },
      schema: {
        ...editCommon,
        summary: 'Add an item to a list of an unsealed pack (at the top, or under parent)',
        params: editParams('listId'),
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['id', 'name'],
          properties: {
            id: contentId,
            name: { type: 'string', minLength: 1, maxLength: 255 },
            description: { type: 'string', maxLength: 4000 },
            parent: contentId,
          },
        },
        response: { 201: editOutcome, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { parent, ...item } = request.body;
      const r = await editPack(
        ctx.db,
        request.params.id,
        currentUser(request).username,
        'list-item-added',
        addListItem(request.params.listId, item, parent),
      );
      return reply.status(201).send(r);
    },
  );

  app.post<{
    Params: { id: string };
    Body: { id: string; name: string; class: string; values: Record<string, unknown> };
  }>(
    '/management-packs/:id/templates',
    {
      config: { resource, access: manage },
      schema: {
        ...editCommon,
        summary: 'Add a template to an unsealed pack',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['id', 'name', 'class', 'values'],
          properties: {
            id: contentId,
            name: { type: 'string', minLength: 1, maxLength: 255 },
            class: { type: 'string', minLength: 1, maxLength: 255 },
            values: anyObject,
          },
        },
        response: { 201: editOutcome, ...errorResponses },
      },
    },
    async (request, reply) => {
      const r = await editPack(
        ctx.db,
        request.params.id,
        currentUser(request).username,
        'template-added',
        addTemplate(request.body),
      );
      return reply.status(201).send(r);
    },
  );

  app.put<{ Params: { id: string; offeringId: string }; Body: { status: 'published' | 'draft' } }>(
    '/management-packs/:id/request-offerings/:offeringId/status',
    {
      config: { resource, access: manage },
      schema: {
        ...editCommon,
        summary: 'Publish (or withdraw to draft) a request offering of an unsealed pack',
        params: editParams('offeringId'),
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['status'],
          properties: { status: { type: 'string', enum: ['published', 'draft'] } },
        },
        response: { 200: editOutcome, ...errorResponses },
      },
    },
    async (request) =>
      editPack(
        ctx.db,
        request.params.id,
        currentUser(request).username,
        `request-offering-${request.body.status}`,
        setOfferingStatus(request.params.offeringId, request.body.status),
      ),
  );

  app.get(
    '/request-offerings',
    {
      config: { access: signedIn() },
      schema: {
        tags: ['service catalog'],
        summary: 'The published request offerings of the imported management packs, with their questions',
        response: {
          200: {
            type: 'object',
            required: ['items'],
            properties: { items: { type: 'array', items: offeringSchema } },
          },
          ...errorResponses,
        },
      },
    },
    async () => {
      const items = [];
      const packs = await activePacks(ctx.db);
      const catalog = new PackCatalog(packs);
      // A list question carries its list's items (any depth): what to answer (value) and what to show (title).
      const withItems = (q: PackQuestion) => {
        const e = q.type === 'list' && q.list ? catalog.enumerations.get(q.list) : undefined;
        if (!e) return q;
        return {
          ...q,
          items: everyItem(e).map((i) => ({ id: i.id, value: i.value ?? i.id, title: i.name })),
        };
      };
      for (const p of packs) {
        const templates = new Map((p.templates ?? []).map((t) => [t.id, t]));
        for (const r of p.requestOfferings ?? []) {
          if (r.status !== 'published') continue;
          items.push({
            id: r.id,
            packId: p.id,
            title: r.title,
            description: r.description ?? null,
            category: r.category,
            serviceOffering: r.serviceOffering ?? null,
            template: r.template,
            ...(templates.get(r.template) ? { class: templates.get(r.template)!.class } : {}),
            questions: r.questions.map(withItems),
          });
        }
      }
      return { items };
    },
  );
};
