/**
 * The DW's own small HTTP API, on its own listen address (default
 * 127.0.0.1:8440): GET /health (open: who this server is, no secrets) and
 * GET /api/v1/dw/jobs (every job — extract, mpsync, transform, load,
 * maintenance — with its watermarks, last run, last error and recent runs,
 * newest first), for a DW user signed in with HTTP Basic
 * authentication against DWStagingAndConfig's users; GET /metrics
 * (dw-metrics.ts: open on loopback, else the bearer token). Errors are
 * `{error, message, remedy}` from the registry; never a stack trace.
 */
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { verifyPassword } from '../keys/password-hash.js';
// --- dw-reports (issue 11)
import { toSmgrError } from '../management-server/http-errors.js';
import { RetryLaterError } from '../management-server/retry-later-error.js';
import { jobsOverview } from './dw-jobs-overview.js';
import type { DwMetrics } from './dw-metrics.js';
import { dwSessionRoutes } from './dw-session-routes.js';
import { reportPages } from './report-pages.js';
import { reportRoutes } from './report-routes.js';
import type { ReportSessionSealer } from './report-session-cookie.js';
// --- end dw-reports

export interface DwApiContext {
  staging: Database;
  /** DWRepository and DWDataMart: their watermarks in GET /api/v1/dw/jobs (dw-etl). */
  repository?: Database;
  datamart?: Database;
  logger: Logger;
  identity: { managementGroup: { id: string; name: string }; computerName: string };
  // --- dw-reports (issue 11): sign-in, reports (they read `datamart`) and the report page
  /** Seals the report page's session cookie (derived from the DW key: report-session-cookie.ts). */
  cookieSealer?: ReportSessionSealer;
  // --- end dw-reports
  /** dw-metrics: GET /metrics and the HTTP request counters (dw-metrics.ts). */
  metrics?: DwMetrics;
}

async function basicUser(db: Database, header: string | undefined): Promise<string | undefined> {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 1) return undefined;
  const username = decoded.slice(0, i);
  const r = await db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE username = $1', [
    username,
  ]);
  const hash = r.rows[0]?.password_hash;
  return hash && (await verifyPassword(decoded.slice(i + 1), hash)) ? username : undefined;
}

export async function buildDwApi(ctx: DwApiContext): Promise<FastifyInstance> {
  const logger: FastifyBaseLogger = ctx.logger.child({ component: 'dw-http' });
  const app = Fastify({ loggerInstance: logger });
  app.setErrorHandler((e: FastifyError, _req, reply) => {
    // Bad input (malformed JSON, a wrong content type, a schema violation) is a 4xx from the registry.
    const err =
      e instanceof SmgrError
        ? e
        : e.statusCode === 404
          ? new SmgrError('ROUTE_NOT_FOUND', { method: _req.method, path: _req.url.split('?')[0] ?? '' })
          : toSmgrError(e, _req);
    if (err.code === 'INTERNAL') ctx.logger.error({ err: { message: e.message } }, 'DW API error');
    if (err instanceof RetryLaterError) reply.header('retry-after', String(err.retryAfterS));
    return reply.status(err.httpStatus).send(err.toJSON());
  });
  app.setNotFoundHandler((req, reply) => {
    const err = new SmgrError('ROUTE_NOT_FOUND', { method: req.method, path: req.url.split('?')[0] ?? '' });
    return reply.status(404).send(err.toJSON());
  });
  ctx.metrics?.install(app);
  app.get('/health', async () => ({
    status: 'ok',
    part: 'data-warehouse',
    managementGroup: ctx.identity.managementGroup.name,
    computerName: ctx.identity.computerName,
  }));
  app.get('/api/v1/dw/jobs', async (req, reply) => {
    const user = await basicUser(ctx.staging, req.headers.authorization);
    if (!user) {
      reply.header('www-authenticate', 'Basic realm="smgr data warehouse"');
      throw new SmgrError('UNAUTHORIZED');
    }
    return { jobs: await jobsOverview(ctx) };
  });
  // --- dw-reports (issue 11)
  await app.register(dwSessionRoutes, { staging: ctx.staging });
  if (ctx.datamart) {
    await app.register(reportRoutes, { staging: ctx.staging, datamart: ctx.datamart });
    if (ctx.cookieSealer)
      await app.register(reportPages, {
        staging: ctx.staging,
        datamart: ctx.datamart,
        sealer: ctx.cookieSealer,
        groupName: ctx.identity.managementGroup.name,
      });
  }
  // --- end dw-reports
  return app;
}
