/**
 * Sessions: POST /api/v1/sessions signs in (user name and password for a
 * bearer token, 12 h; rate-limited per user name and per address, 429 with
 * Retry-After when blocked; an unknown user, a disabled user and a wrong
 * password get the same 401 after the same work: sign-in.ts).
 * GET /api/v1/sessions/current says who the token belongs to and what their
 * role may do; DELETE /api/v1/sessions/current signs out (the token stops
 * working at once).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { audit } from '../../audit/audit.js';
import { publicAccess, signedIn } from '../access.js';
import { apiLimits } from '../api-limits.js';
import type { AppContext } from '../app-context.js';
import { currentUser } from '../auth.js';
import { errorResponses } from '../http-errors.js';
import { roleDefinition } from '../roles.js';
import { revokeToken } from '../session-store.js';
import { signIn } from '../sign-in.js';
import { getUser, type User, UserRef } from '../user-store.js';

const SignInBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 255 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

const SessionSchema = Type.Object(
  {
    token: Type.String({ description: 'Send as Authorization: Bearer <token>.' }),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

const CurrentSession = Type.Object(
  {
    user: UserRef,
    permissions: Type.Array(Type.String(), { description: 'What the role of the user may do (roles.ts).' }),
    expiresAt: Type.String({ format: 'date-time', description: 'When this token expires.' }),
  },
  { additionalProperties: false },
);

const common = { tags: ['sessions'] };

/** POST /sessions: open, outside the authenticated scope. */
export const sessionRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (plain, { ctx }) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const limits = apiLimits(ctx).signIn;
  app.post(
    '/sessions',
    {
      config: { access: publicAccess },
      schema: {
        ...common,
        summary: 'Sign in: exchange user name and password for a bearer token',
        description:
          'Rate-limited per user name and per address: after too many failures, 429 SIGN_IN_THROTTLED ' +
          'with Retry-After, even for the right password.',
        body: SignInBody,
        response: { 201: SessionSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const { user, session } = await signIn(ctx.db, { username, address: request.ip }, password, limits);
      request.log.info({ userId: user.id }, 'session created');
      return reply.status(201).send(session);
    },
  );
};

/** GET and DELETE /sessions/current: inside the authenticated scope. */
export const currentSessionRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (plain, { ctx }) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/sessions/current',
    {
      config: { access: signedIn() },
      schema: {
        ...common,
        summary: 'Who this token belongs to, their role and what it may do',
        response: { 200: CurrentSession, ...errorResponses },
      },
    },
    async (request) => {
      const auth = currentUser(request);
      const user = (await getUser(ctx.db, auth.username)) as User;
      return {
        user,
        permissions: [...(roleDefinition(user.role)?.permissions ?? [])],
        expiresAt: auth.expiresAt,
      };
    },
  );

  app.delete(
    '/sessions/current',
    {
      config: { access: signedIn() },
      schema: {
        ...common,
        summary: 'Sign out: revoke this token',
        response: { 204: Type.Null({ description: 'Signed out.' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const auth = currentUser(request);
      await revokeToken(ctx.db, auth.tokenHash);
      await audit(ctx.db, auth.username, 'session.signed-out', auth.username);
      request.log.info({ userId: auth.id }, 'signed out');
      return reply.status(204).send(null);
    },
  );
};
