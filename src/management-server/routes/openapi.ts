/**
 * GET /api/v1/openapi.json: the OpenAPI document of every route (built by
 * @fastify/swagger from the route schemas, with the class extension
 * properties of the imported management packs), open without a token.
 */
import type { FastifyPluginAsync } from 'fastify';
import { withExtensionProperties } from '../../management-packs/openapi-extensions.js';
import { activeCatalog } from '../../management-packs/pack-store.js';
import { publicAccess } from '../access.js';
import type { AppContext } from '../app-context.js';
import { errorResponses } from '../http-errors.js';

export const openapiRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/openapi.json',
    {
      config: { access: publicAccess },
      schema: {
        hide: true,
        response: { 200: { type: 'object', additionalProperties: true }, ...errorResponses },
      },
    },
    // Issue 10: with the class extension properties of the imported management packs.
    async () => withExtensionProperties(app.swagger(), await activeCatalog(ctx.db)),
  );
};
