/**
 * /api/v1/run-as-accounts: create, read, list and verify Run As accounts.
 * The password goes in once (sealed under the group's data key, bound to its
 * row) and never comes out: answers carry metadata only, and the response
 * schemas would strip anything else. verify opens the sealed value
 * server-side and compares in constant time; a value that does not open is
 * 500 SECRET_UNREADABLE (a key problem), never a match. Creates and verifies
 * are audited without the password.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { requires } from '../access.js';
import type { AppContext } from '../app-context.js';
import { currentUser } from '../auth.js';
import { errorResponses, notFound } from '../http-errors.js';
import { type IdParams, uuidParams } from '../id-params.js';
import { cursorSchema, decodeCursor, limitSchema, pageSchema, parseLimit, toPage } from '../pagination.js';
import { getRunAsAccount, listRunAsAccounts, type RunAsAccount } from '../run-as-account-store.js';
import { createRunAsAccount, verifyRunAsPassword } from '../run-as-accounts.js';

const LIST = 'run-as-accounts';
const PATH = '/api/v1/run-as-accounts';
const resource = { kind: 'Run As account', path: PATH };

const Password = Type.String({ minLength: 1, maxLength: 1024 });

const CreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255 }),
    username: Type.String({ minLength: 1, maxLength: 255 }),
    password: Password,
  },
  { additionalProperties: false },
);

const VerifyBody = Type.Object({ password: Password }, { additionalProperties: false });

const VerifyAnswer = Type.Object({ matches: Type.Boolean() }, { additionalProperties: false });

const ListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Unsafe<string>(limitSchema)),
    cursor: Type.Optional(Type.Unsafe<string>(cursorSchema)),
  },
  { additionalProperties: false },
);

const Params = Type.Unsafe<IdParams>(uuidParams);

const item = Type.Unsafe<RunAsAccount>({ $ref: 'RunAsAccount#' });
const common = { tags: ['Run As accounts'] };
const access = requires(['run-as-accounts'], 'use Run As accounts');

export const runAsAccountRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (plain, { ctx }) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/run-as-accounts',
    {
      config: { access },
      schema: {
        ...common,
        summary: 'Create a Run As account (the password is sealed and never returned)',
        body: CreateBody,
        response: { 201: item, ...errorResponses },
      },
    },
    async (request, reply) => {
      const created = await createRunAsAccount(
        ctx.db,
        ctx.sealer,
        request.body,
        currentUser(request).username,
      );
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/run-as-accounts',
    {
      config: { access },
      schema: {
        ...common,
        summary: 'List Run As accounts, metadata only (keyset pagination by name)',
        querystring: ListQuery,
        response: { 200: pageSchema('RunAsAccount'), ...errorResponses },
      },
    },
    async (request) => {
      const limit = parseLimit(request.query.limit);
      const afterName = request.query.cursor ? decodeCursor(LIST, request.query.cursor) : undefined;
      const rows = await listRunAsAccounts(ctx.db, { afterName, limit: limit + 1 });
      return toPage(rows, limit, LIST, (a) => a.name);
    },
  );

  app.get(
    '/run-as-accounts/:id',
    {
      config: { resource, access },
      schema: {
        ...common,
        summary: 'Get a Run As account, metadata only',
        params: Params,
        response: { 200: item, ...errorResponses },
      },
    },
    async (request) => {
      const a = await getRunAsAccount(ctx.db, request.params.id);
      if (!a) throw notFound(request, request.params.id);
      return a;
    },
  );

  app.post(
    '/run-as-accounts/:id/verify',
    {
      config: { resource, access },
      schema: {
        ...common,
        summary: 'Check a password against the sealed one, server-side',
        params: Params,
        body: VerifyBody,
        response: { 200: VerifyAnswer, ...errorResponses },
      },
    },
    async (request) => {
      const answer = await verifyRunAsPassword(
        ctx.db,
        ctx.sealer,
        request.params.id,
        request.body.password,
        currentUser(request).username,
      );
      if (!answer) throw notFound(request, request.params.id);
      return answer;
    },
  );
};
