/**
 * GET /metrics in Prometheus text format (issue 13 item 6, prom-client):
 * the newest archive's time and size, the last drill's result, time and
 * measured recovery time, recoverable now, each key's backup age, the
 * workflow lease's holder and token, each registered server's heartbeat age,
 * and this server's HTTP requests (count and latency by method, route and
 * status) plus the process's defaults. A registry per server (a drill's
 * scratch server may run in the same process).
 *
 * Access: open to loopback peers (the TCP peer, never X-Forwarded-For);
 * from anywhere else only with `Authorization: Bearer TOKEN` whose SHA-256
 * is `metrics.tokenSha256` in config.json, else 401 METRICS_UNAUTHORIZED.
 * Labels are names and ids only. Read-only: a scrape reads the database.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { listBackups } from '../backup/backup-catalog.js';
import type { ManagementServerConfig } from '../config/management-server-config.js';
import type { Database } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { listKeyRecords } from '../keys/key-records.js';
import { listRegistrations } from '../management-group/registration.js';
import { readLease } from '../management-group/workflow-lease.js';
import { readinessOf } from '../recovery/readiness-report.js';
import { installHttpMetrics } from './http-metrics.js';

export interface MetricsOptions {
  db: Database;
  config: ManagementServerConfig;
  /** Where this server's archives are (the newest one's time and size). */
  backupDirectory: string;
  /** True while this server holds the workflow lease. */
  holdsLease(): boolean;
}

export interface Metrics {
  readonly registry: Registry;
  install(app: FastifyInstance): void;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function createMetrics(o: MetricsOptions): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'smgr_' });
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const g = {
    backupTime: gauge(
      'smgr_backup_last_timestamp_seconds',
      'When the newest archive of the group here was made',
    ),
    backupSize: gauge('smgr_backup_last_size_bytes', 'Size of the newest archive of the group here'),
    drillOk: gauge('smgr_drill_last_success', '1 when the last restore drill passed, 0 when it failed'),
    drillTime: gauge('smgr_drill_last_timestamp_seconds', 'When the last restore drill finished'),
    drillDuration: gauge(
      'smgr_drill_last_duration_seconds',
      'The last drill: restore plus time until its API answered',
    ),
    recoverable: gauge('smgr_recoverable', '1 when recoverable now (smgr status), else 0'),
    runOk: gauge(
      'smgr_backup_last_scheduled_success',
      '1 when the last scheduled backup run succeeded, 0 when not',
    ),
    keyAge: gauge('smgr_key_backup_age_seconds', 'Seconds since each key was last backed up (-1: never)', [
      'key_id',
      'part',
    ]),
    leaseToken: gauge('smgr_workflow_lease_token', 'The workflow lease fencing token'),
    leaseHolder: gauge('smgr_workflow_lease_holder', '1 for the computer named as workflow lease holder', [
      'holder',
    ]),
    leaseHeld: gauge('smgr_workflow_lease_held', '1 while this server holds the workflow lease'),
    heartbeat: gauge(
      'smgr_heartbeat_age_seconds',
      'Seconds since each registered server heartbeat (-1: never)',
      ['computer', 'part'],
    ),
  };
  /** Set only when there is something to say: prom-client would print 0, and no drill yet is not a failed one. */
  const occasional = [
    g.backupTime,
    g.backupSize,
    g.runOk,
    g.drillOk,
    g.drillTime,
    g.drillDuration,
    g.recoverable,
  ];
  const refresh = async () => {
    const now = Date.now();
    for (const gauge of occasional) gauge.remove();
    const newest = listBackups(o.backupDirectory).find(
      (b) => b.managementGroup?.id === o.config.managementGroup.id,
    );
    if (newest?.createdAt) {
      g.backupTime.set(Date.parse(newest.createdAt) / 1000);
      g.backupSize.set(newest.size);
    }
    const readiness = await readinessOf(o.db, o.config);
    if (readiness) {
      g.recoverable.set(readiness.recoverable ? 1 : 0);
      const run = readiness.lastScheduledRun;
      if (run?.outcome) g.runOk.set(run.outcome === 'ok' ? 1 : 0);
      const d = readiness.lastDrill;
      if (d) {
        g.drillOk.set(d.ok ? 1 : 0);
        g.drillTime.set(Date.parse(d.finishedAt ?? d.startedAt) / 1000);
        g.drillDuration.set(((d.restoreMs ?? 0) + (d.apiMs ?? 0)) / 1000);
      }
    }
    g.keyAge.reset();
    for (const k of await listKeyRecords(o.db)) {
      g.keyAge.set(
        { key_id: k.keyId, part: k.part },
        k.lastBackupAt ? (now - k.lastBackupAt.getTime()) / 1000 : -1,
      );
    }
    const lease = await readLease(o.db);
    g.leaseToken.set(lease.token);
    g.leaseHolder.reset();
    if (lease.holder) g.leaseHolder.set({ holder: lease.holder }, 1);
    g.leaseHeld.set(o.holdsLease() ? 1 : 0);
    g.heartbeat.reset();
    for (const r of await listRegistrations(o.db)) {
      g.heartbeat.set(
        { computer: r.computerName, part: r.part },
        r.lastHeartbeat ? (now - r.lastHeartbeat.getTime()) / 1000 : -1,
      );
    }
  };
  return {
    registry,
    install(app) {
      installHttpMetrics(app, registry, 'smgr_', 'Management server');
      app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
        authorizeScrape(request, o.config.metrics?.tokenSha256);
        await refresh();
        reply.header('content-type', registry.contentType);
        return registry.metrics();
      });
    },
  };
}

/** The scrape guard, shared with the DW's GET /metrics (dw-metrics.ts): loopback, else the bearer token. */
export function authorizeScrape(request: FastifyRequest, tokenSha256: string | undefined): void {
  if (LOOPBACK.has(request.socket.remoteAddress ?? '')) return;
  const m = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '');
  if (m && tokenSha256) {
    const got = createHash('sha256').update(m[1]!).digest();
    if (timingSafeEqual(got, Buffer.from(tokenSha256, 'hex'))) return;
  }
  throw new SmgrError('METRICS_UNAUTHORIZED', {});
}
