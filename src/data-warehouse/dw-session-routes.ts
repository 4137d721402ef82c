/**
 * The DW API's sessions, as on the management server: POST /api/v1/sessions
 * (`{username, password}` of a DW user → 201 `{token, expiresAt}`; 401 for
 * any wrong credential, 429 with Retry-After when the rate limit blocks),
 * GET /api/v1/sessions/current (who the token belongs to) and DELETE
 * /api/v1/sessions/current (sign-out: the token stops working at once).
 * Bodies are checked by a JSON schema; bad ones are 400 from the registry.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Database } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { bearerToken, findDwTokenUser, revokeDwToken, signInToDw } from './dw-sessions.js';

const signInBody = {
  type: 'object',
  // propertyNames, not additionalProperties: Fastify's Ajv would silently drop an unknown key, not refuse it.
  propertyNames: { enum: ['username', 'password'] },
  required: ['username', 'password'],
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 255 },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
  },
} as const;

export const dwSessionRoutes: FastifyPluginAsync<{ staging: Database }> = async (app, { staging }) => {
  app.post<{ Body: { username: string; password: string } }>(
    '/api/v1/sessions',
    { schema: { body: signInBody } },
    async (request, reply) => {
      const { username, password } = request.body;
      const { user, session } = await signInToDw(staging, { username, address: request.ip }, password);
      request.log.info({ userId: user.id }, 'DW session created');
      return reply.status(201).send(session);
    },
  );

  const current = async (header: string | undefined) => {
    const token = bearerToken(header);
    const user = token ? await findDwTokenUser(staging, token) : undefined;
    if (!token || !user) throw new SmgrError('UNAUTHORIZED');
    return { token, user };
  };

  app.get('/api/v1/sessions/current', async (request) => {
    const { user } = await current(request.headers.authorization);
    return { user: { username: user.username, role: user.role } };
  });

  app.delete('/api/v1/sessions/current', async (request, reply) => {
    const { token, user } = await current(request.headers.authorization);
    await revokeDwToken(staging, token, user.username);
    return reply.status(204).send();
  });
};
