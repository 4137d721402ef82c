/**
 * GET /health: open (no token), answers who this server is. Reads nothing
 * from the database and reveals nothing secret.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../app-context.js';
import { errorResponses } from '../http-errors.js';

const healthSchema = {
  type: 'object',
  required: ['status', 'managementGroup', 'computerName', 'role'],
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['ok'] },
    managementGroup: { type: 'string', description: 'Name of the management group.' },
    computerName: { type: 'string' },
    role: { type: 'string', enum: ['workflow', 'secondary'] },
  },
} as const;

export const healthRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/health',
    {
      schema: {
        summary: 'Health and identity of this management server',
        tags: ['health'],
        response: { 200: healthSchema, ...errorResponses },
      },
    },
    async () => ({
      status: 'ok' as const,
      managementGroup: ctx.identity.managementGroup.name,
      computerName: ctx.identity.computerName,
      role: ctx.identity.role,
    }),
  );
};
