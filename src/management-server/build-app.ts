/**
 * Builds the HTTP API of the management server (Fastify 5) on an AppContext.
 * Guarantees: JSON only (text/plain is not parsed: 415), bodies up to 1 MiB,
 * schemas on every route with unknown fields and wrong types refused (no
 * stripping, no coercion); every error is `{error, message, remedy}` from the
 * registry (http-errors.ts); everything under /api/v1 but sessions and
 * openapi.json needs a bearer token; the logger is ctx.logger with request
 * serializers that log method and path only. It does not listen: the caller
 * does (or uses inject()).
 */
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AppContext } from './app-context.js';
import { requireBearer } from './auth.js';
import { BODY_LIMIT, installErrorHandling } from './http-errors.js';
import { logSerializers } from './log-serializers.js';
import { openapiOptions } from './openapi.js';
import { configItemRoutes, configItemSchema } from './routes/config-items.js';
import { healthRoutes } from './routes/health.js';
import { openapiRoutes } from './routes/openapi.js';
import { runAsAccountRoutes, runAsAccountSchema } from './routes/run-as-accounts.js';
import { sessionRoutes } from './routes/sessions.js';
import { workItemRoutes, workItemSchema } from './routes/work-items.js';

export const API_PREFIX = '/api/v1';

export async function buildApp(ctx: AppContext): Promise<FastifyInstance> {
  // A child of ctx.logger (same destination) whose serializers replace Fastify's request one.
  const logger: FastifyBaseLogger = ctx.logger.child({ component: 'http' }, { serializers: logSerializers });
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: BODY_LIMIT,
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: false,
        useDefaults: true,
        allowUnionTypes: true,
      },
    },
  });

  app.removeContentTypeParser('text/plain');
  app.decorateRequest('user', null);
  installErrorHandling(app);
  for (const schema of [workItemSchema, configItemSchema, runAsAccountSchema]) app.addSchema(schema);
  await app.register(swagger, openapiOptions);

  await app.register(healthRoutes, { ctx });
  await app.register(sessionRoutes, { ctx, prefix: API_PREFIX });
  await app.register(openapiRoutes, { prefix: API_PREFIX });
  await app.register(
    async (api) => {
      api.addHook('onRequest', requireBearer(ctx.db));
      await api.register(workItemRoutes, { ctx });
      await api.register(configItemRoutes, { ctx });
      await api.register(runAsAccountRoutes, { ctx });
    },
    { prefix: API_PREFIX },
  );
  return app;
}
