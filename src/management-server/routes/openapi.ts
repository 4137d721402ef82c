/**
 * GET /api/v1/openapi.json: the OpenAPI document of every route (built by
 * @fastify/swagger from the route schemas), open without a token.
 */
import type { FastifyPluginAsync } from 'fastify';
import { publicAccess } from '../access.js';
import { errorResponses } from '../http-errors.js';

export const openapiRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/openapi.json',
    {
      config: { access: publicAccess },
      schema: {
        hide: true,
        response: { 200: { type: 'object', additionalProperties: true }, ...errorResponses },
      },
    },
    async () => app.swagger(),
  );
};
