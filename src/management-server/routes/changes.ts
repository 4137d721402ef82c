/**
 * GET /api/v1/changes?after=CURSOR&limit=N[&held=CURSOR]: the change feed
 * the data warehouse extracts (change-feed.ts says why its cursor never
 * skips a change that commits late). Work items and their history rows,
 * configuration items, users (id and name only); never a sealed value.
 * For the data-warehouse role (and administrators). The reader's `held`
 * position (default `after`: what it has committed) is acknowledged for
 * grooming; a reader that fetches a page ahead of its commit passes its
 * committed position there, so grooming never deletes what it may still
 * need (at or before `after`, else CHANGE_HELD_AHEAD, acknowledging nothing).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { SmgrError } from '../../errors/smgr-error.js';
import { requires } from '../access.js';
import type { AppContext } from '../app-context.js';
import {
  acknowledgePosition,
  changePageJson,
  compareCursors,
  DEFAULT_CHANGES,
  MAX_CHANGES,
  readChangeTexts,
} from '../change-feed.js';
import { errorResponses } from '../http-errors.js';

const Query = Type.Object(
  {
    after: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'The `next` of the previous answer.' }),
    ),
    held: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          'The position up to which the reader keeps the changes (its committed cursor), at or before `after`; acknowledged for grooming instead of `after`.',
      }),
    ),
    limit: Type.Optional(
      Type.String({
        pattern: '^[1-9][0-9]{0,3}$',
        description: `Changes per answer, 1-${MAX_CHANGES} (default ${DEFAULT_CHANGES}).`,
      }),
    ),
  },
  { additionalProperties: false },
);

const ChangeSchema = Type.Object(
  {
    position: Type.String(),
    kind: Type.Union([
      Type.Literal('work-item'),
      Type.Literal('work-item-history'),
      Type.Literal('config-item'),
      Type.Literal('user'),
    ]),
    op: Type.Union([Type.Literal('insert'), Type.Literal('update'), Type.Literal('delete')]),
    id: Type.Integer(),
    at: Type.String({ format: 'date-time' }),
    data: Type.Object({}, { additionalProperties: true }),
  },
  { additionalProperties: false },
);

const PageSchema = Type.Object(
  {
    changes: Type.Array(ChangeSchema),
    next: Type.Union([Type.String(), Type.Null()]),
    more: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const changeRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (plain, { ctx }) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/changes',
    {
      config: { access: requires(['changes:read'], 'read the change feed') },
      schema: {
        tags: ['data warehouse'],
        summary: 'The change feed (commit-safe cursor)',
        querystring: Query,
        response: { 200: PageSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { after, held } = request.query;
      if (held !== undefined && (after === undefined || compareCursors(held, after) > 0))
        throw new SmgrError('CHANGE_HELD_AHEAD', {
          held: held.slice(0, 80),
          after: (after ?? '').slice(0, 80),
        });
      const limit = Math.min(Number(request.query.limit ?? DEFAULT_CHANGES), MAX_CHANGES);
      const page = await readChangeTexts(ctx.db, after, limit);
      // After the read: a cursor refused (groomed, invalid) acknowledges nothing.
      if (request.user) await acknowledgePosition(ctx.db, request.user.username, held ?? after);
      // The page's JSON as the database built it (PageSchema documents it; not serialized again here).
      return reply.type('application/json; charset=utf-8').send(changePageJson(page));
    },
  );
};
