/**
 * The HTTP series of a server's /metrics (metrics.ts for the management
 * server, dw-metrics.ts for the data warehouse): requests answered by
 * method, route and status, and their latency by method and route, in the
 * server's own registry under its own prefix (`smgr_`, `smgr_dw_`), so two
 * parts served by one process never share a series. The route is the
 * route's pattern, never the URL (no ids or query parameters in labels).
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';

/** Counts and times every answer of `app` into `registry` (call before the routes are added). */
export function installHttpMetrics(
  app: FastifyInstance,
  registry: Registry,
  prefix: string,
  what: string,
): void {
  const requests = new Counter({
    name: `${prefix}http_requests_total`,
    help: `${what} HTTP requests answered, by method, route and status`,
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: `${prefix}http_request_duration_seconds`,
    help: `${what} HTTP request latency, by method and route`,
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
}
