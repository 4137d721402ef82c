/**
 * Builds the HTTP API of the management server (Fastify 5) on an AppContext.
 * Guarantees: JSON only (text/plain is not parsed: 415), bodies up to 1 MiB,
 * schemas on every route with unknown fields and wrong types refused (no
 * stripping, no coercion); every error is `{error, message, remedy}` from the
 * registry (http-errors.ts), even those Node's parser and timeouts raise
 * (http-guards.ts); everything under /api/v1 but sign-in and openapi.json
 * needs a bearer token, and every route declares which roles may call it
 * (access.ts: a route without is refused at build); the logger is ctx.logger
 * with request serializers that log method and path only. It does not
 * listen: the caller does (or uses inject()).
 */
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
// --- console-analyst (issue 14): the web console under /console
import { CONSOLE_PREFIX, consoleApp } from '../console/console-app.js';
import { authorize, installAccessDeclarations } from './access.js';
import { apiLimits } from './api-limits.js';
import type { AppContext } from './app-context.js';
import { ApprovalSchema } from './approval-store.js';
import { requireBearer } from './auth.js';
import { CommentSchema } from './comment-store.js';
import { ConfigItemSchema } from './config-item-store.js';
import { BODY_LIMIT, installErrorHandling } from './http-errors.js';
import { guardedServerOptions, installHttpGuards } from './http-guards.js';
import { logSerializers } from './log-serializers.js';
import { openapiOptions } from './openapi.js';
import { BUILT_IN_ROLES } from './roles.js'; // console-admin
import { approvalRoutes } from './routes/approvals.js';
import { changeRoutes } from './routes/changes.js';
import { commentRoutes } from './routes/comments.js';
import { configItemRoutes } from './routes/config-items.js';
import { dataWarehouseRoutes } from './routes/data-warehouse.js';
import { healthRoutes } from './routes/health.js';
// --- management packs (issue 10)
import { managementPackRoutes, PackSummarySchema } from './routes/management-packs.js';
import { openapiRoutes } from './routes/openapi.js';
import { portalHeartbeatRoutes, portalRoutes } from './routes/portals.js';
import { readinessRoutes } from './routes/readiness.js';
// --- console-analyst (issue 14): configuration items related to work items
import { relatedConfigItemRoutes } from './routes/related-config-items.js';
import { requestOfferingRoutes } from './routes/request-offerings.js';
import { runAsAccountRoutes } from './routes/run-as-accounts.js';
import { currentSessionRoutes, sessionRoutes } from './routes/sessions.js';
import { userRoutes } from './routes/users.js';
import { viewRoutes } from './routes/views.js';
import { workItemRoutes, workItemSchema } from './routes/work-items.js';
import { RunAsAccountSchema } from './run-as-account-store.js';
import { UserSchema } from './user-store.js';
import { HistoryEntrySchema } from './work-item-history.js';

export const API_PREFIX = '/api/v1';

const SHARED_SCHEMAS = [
  workItemSchema,
  ConfigItemSchema,
  RunAsAccountSchema,
  UserSchema,
  CommentSchema,
  HistoryEntrySchema,
  ApprovalSchema,
  // --- management packs (issue 10)
  PackSummarySchema,
];

export async function buildApp(ctx: AppContext): Promise<FastifyInstance> {
  // A child of ctx.logger (same destination) whose serializers replace Fastify's request one.
  const logger: FastifyBaseLogger = ctx.logger.child({ component: 'http' }, { serializers: logSerializers });
  const limits = apiLimits(ctx);
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: BODY_LIMIT,
    trustProxy: limits.http.trustedProxies.length > 0 ? limits.http.trustedProxies : false,
    ...guardedServerOptions(limits.http),
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: false,
        useDefaults: true,
        allowUnionTypes: true,
        // Errors carry their schema, so validation-words.ts can name the allowed fields.
        verbose: true,
      },
    },
  });

  app.removeContentTypeParser('text/plain');
  app.decorateRequest('user', null);
  installErrorHandling(app);
  installHttpGuards(app, limits.http);
  installAccessDeclarations(app, API_PREFIX);
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  await app.register(swagger, openapiOptions);

  ctx.metrics?.install(app); // ops (issue 13)
  await app.register(healthRoutes, { ctx });
  await app.register(sessionRoutes, { ctx, prefix: API_PREFIX });
  await app.register(openapiRoutes, { ctx, prefix: API_PREFIX });
  await app.register(portalHeartbeatRoutes, { ctx, prefix: API_PREFIX }); // issue 12
  await app.register(
    async (api) => {
      api.addHook('onRequest', requireBearer(ctx.db));
      api.addHook('onRequest', authorize);
      await api.register(currentSessionRoutes, { ctx });
      await api.register(userRoutes, { ctx });
      await api.register(workItemRoutes, { ctx });
      await api.register(commentRoutes, { ctx });
      await api.register(approvalRoutes, { ctx });
      await api.register(configItemRoutes, { ctx });
      await api.register(runAsAccountRoutes, { ctx });
      // --- management packs (issue 10)
      await api.register(managementPackRoutes, { ctx });
      await api.register(requestOfferingRoutes, { ctx }); // catalog: service offerings, submitting request offerings
      await api.register(viewRoutes, { ctx });
      // data warehouse (issue 9)
      await api.register(changeRoutes, { ctx });
      await api.register(dataWarehouseRoutes, { ctx });
      await api.register(portalRoutes, { ctx }); // issue 12: the Self-Service Portal
      await api.register(readinessRoutes, { ctx }); // ops (issue 13)
      await api.register(relatedConfigItemRoutes, { ctx }); // console-analyst (issue 14)
    },
    { prefix: API_PREFIX },
  );
  // --- console-admin (issue 14): the roles the console's users page offers (console/ may not import this folder)
  ctx.roles ??= BUILT_IN_ROLES;
  // --- console-analyst (issue 14): the web console's pages, calling the API above in process
  await app.register(consoleApp, { prefix: CONSOLE_PREFIX, server: ctx, root: app });
  return app;
}
