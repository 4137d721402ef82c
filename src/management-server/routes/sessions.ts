/**
 * POST /api/v1/sessions: sign in with user name and password, get a bearer
 * token (12 h). An unknown user and a wrong password get the same 401, after
 * the same scrypt work (a dummy hash stands in for a missing user), so the
 * answer tells nothing about which user names exist.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { SmgrError } from '../../errors/smgr-error.js';
import { hashPassword, verifyPassword } from '../../keys/password-hash.js';
import type { AppContext } from '../app-context.js';
import { errorResponses } from '../http-errors.js';
import { createSession, findLoginUser } from '../session-store.js';

const bodySchema = {
  type: 'object',
  required: ['username', 'password'],
  additionalProperties: false,
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 255 },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
  },
} as const;

const sessionSchema = {
  type: 'object',
  required: ['token', 'expiresAt'],
  additionalProperties: false,
  properties: {
    token: { type: 'string', description: 'Send as Authorization: Bearer <token>.' },
    expiresAt: { type: 'string', format: 'date-time' },
  },
} as const;

interface SignIn {
  username: string;
  password: string;
}

let dummyHash: Promise<string> | undefined;
/** A hash of a random password, verified against when the user does not exist. */
const getDummyHash = (): Promise<string> => {
  dummyHash ??= hashPassword(randomBytes(24).toString('base64url'));
  return dummyHash;
};

export const sessionRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.post<{ Body: SignIn }>(
    '/sessions',
    {
      schema: {
        summary: 'Sign in: exchange user name and password for a bearer token',
        tags: ['sessions'],
        body: bodySchema,
        response: { 201: sessionSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const user = await findLoginUser(ctx.db, username);
      const ok = await verifyPassword(password, user?.passwordHash ?? (await getDummyHash()));
      if (!user || !ok) throw new SmgrError('UNAUTHORIZED');
      const session = await createSession(ctx.db, user.id);
      request.log.info({ userId: user.id }, 'session created');
      return reply.status(201).send(session);
    },
  );
};
