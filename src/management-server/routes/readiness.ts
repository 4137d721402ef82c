/**
 * GET /api/v1/recovery/readiness (administrators): recoverable now, yes or
 * no, with every reason and its remedy (src/recovery/readiness.ts). Names,
 * times and numbers only; read-only.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { requires } from '../access.js';
import type { AppContext } from '../app-context.js';
import { errorResponses } from '../http-errors.js';

const Check = Type.Object({
  kind: Type.String(),
  archive: Type.String(),
  archiveCreatedAt: Type.String(),
  computerName: Type.String(),
  startedAt: Type.String(),
  finishedAt: Type.Optional(Type.String()),
  ok: Type.Boolean(),
  restoreMs: Type.Optional(Type.Integer()),
  apiMs: Type.Optional(Type.Integer()),
  tablesChecked: Type.Optional(Type.Integer()),
  rowsChecked: Type.Optional(Type.Integer()),
  doctorOk: Type.Optional(Type.Boolean()),
  doctor: Type.Optional(Type.Array(Type.Object({ name: Type.String(), state: Type.String() }))),
  error: Type.Optional(Type.String()),
});

const ReadinessSchema = Type.Object({
  recoverable: Type.Boolean(),
  rpoMinutes: Type.Number(),
  rtoMinutes: Type.Number(),
  newestVerifiedArchive: Type.Union([
    Type.Intersect([Check, Type.Object({ ageMinutes: Type.Number() })]),
    Type.Null(),
  ]),
  lastDrill: Type.Union([
    Type.Intersect([Check, Type.Object({ rtoMs: Type.Union([Type.Integer(), Type.Null()]) })]),
    Type.Null(),
  ]),
  reasons: Type.Array(
    Type.Object({
      check: Type.String(),
      ok: Type.Boolean(),
      subject: Type.String(),
      computers: Type.Optional(Type.Array(Type.String())),
      detail: Type.String(),
      remedy: Type.Optional(Type.String()),
    }),
  ),
});

export const readinessRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (plain, { ctx }) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const readiness = ctx.readiness;
  if (!readiness) return;
  app.get(
    '/recovery/readiness',
    {
      config: { access: requires(['users'], 'see recovery readiness', 'administrators') },
      schema: {
        tags: ['recovery'],
        summary:
          'Recoverable now? Key backups, the newest verified archive against the RPO, the last drill and its RTO',
        response: { 200: ReadinessSchema, ...errorResponses },
      },
    },
    async () => readiness(),
  );
};
