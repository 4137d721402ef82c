/**
 * The data warehouse's GET /metrics (issue 13 items 4 and 6, prom-client),
 * on the DW API's own listener: the last scheduled backup (time, size of the
 * newest verified archive, outcome of the last run), the last restore drill
 * (1/0, when, how long, measured RTO), recoverable now, the DW key's backup
 * age, each DW job's last finished run (when, how long, 1/0, rows), the
 * newest change transformed into DWRepository, and this server's HTTP
 * requests (count and latency by method, route and status) plus the
 * process's defaults.
 *
 * Every name starts `smgr_dw_` and the registry is its own (never the global
 * one): a computer running both parts in one `smgr serve` has two scrape
 * targets (two listeners) whose series never collide, not even the process
 * defaults. Values are read from DWStagingAndConfig (and DWRepository) at
 * scrape time, so they are right after a restart. Read-only.
 *
 * Access: the management server's rule and code (metrics.ts authorizeScrape):
 * loopback peers open, elsewhere `Authorization: Bearer TOKEN` whose SHA-256
 * is `parts["data-warehouse"].metrics.tokenSha256`, else 401
 * METRICS_UNAUTHORIZED. Labels are job and key names only.
 */
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { DataWarehouseConfig } from '../config/data-warehouse-config.js';
import type { Queryable } from '../db/database.js';
import { listKeyRecords } from '../keys/key-records.js';
import { installHttpMetrics } from '../management-server/http-metrics.js';
import { authorizeScrape } from '../management-server/metrics.js';
import { lastDrill } from '../recovery/archive-checks.js';
import { dwReadinessOf } from './dw-readiness.js';

export interface DwMetricsOptions {
  staging: Queryable;
  /** DWRepository: the newest change transformed (absent: that series is not shown). */
  repository?: Queryable;
  config: DataWarehouseConfig;
}

export interface DwMetrics {
  readonly registry: Registry;
  install(app: FastifyInstance): void;
}

const seconds = (d: Date | string) => new Date(d).getTime() / 1000;

export function createDwMetrics(o: DwMetricsOptions): DwMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'smgr_dw_' });
  const gauges = dwGauges(registry);
  return {
    registry,
    install(app) {
      installHttpMetrics(app, registry, 'smgr_dw_', 'DW API');
      app.get('/metrics', async (request, reply) => {
        authorizeScrape(request, o.config.metrics?.tokenSha256);
        await refresh(o, gauges);
        reply.header('content-type', registry.contentType);
        return registry.metrics();
      });
    },
  };
}

type Gauges = ReturnType<typeof dwGauges>;
const unlabelled = new WeakSet<Gauge>();

function dwGauges(registry: Registry) {
  const gauge = (name: string, help: string, labelNames: string[] = []) => {
    const made = new Gauge({ name: `smgr_dw_${name}`, help, labelNames, registers: [registry] });
    if (labelNames.length === 0) unlabelled.add(made);
    return made;
  };
  return {
    backupTime: gauge('backup_last_timestamp_seconds', 'When the newest verified scheduled archive was made'),
    backupSize: gauge('backup_last_size_bytes', 'Size of the newest verified scheduled archive'),
    runOk: gauge('backup_last_scheduled_success', '1 when the last scheduled backup run succeeded, else 0'),
    runTime: gauge('backup_last_scheduled_timestamp_seconds', 'When the last scheduled backup run finished'),
    drillOk: gauge('drill_last_success', '1 when the last restore drill passed, 0 when it failed'),
    drillTime: gauge('drill_last_timestamp_seconds', 'When the last restore drill finished'),
    drillDuration: gauge('drill_last_duration_seconds', 'The last drill, start to finish'),
    drillRto: gauge('drill_last_rto_seconds', 'The last drill: restore plus time until its API answered'),
    recoverable: gauge('recoverable', '1 when the DW is recoverable now (smgr status), else 0'),
    keyAge: gauge('key_backup_age_seconds', 'Seconds since the DW key was last backed up (-1: never)', [
      'key_id',
    ]),
    jobTime: gauge('job_last_run_timestamp_seconds', "When each job's last finished run ended", ['job']),
    jobDuration: gauge('job_last_run_duration_seconds', "Each job's last finished run, start to end", [
      'job',
    ]),
    jobOk: gauge('job_last_run_success', "1 when each job's last finished run succeeded, else 0", ['job']),
    jobRows: gauge('job_last_run_rows', "Rows each job's last finished run moved", ['job']),
    newestChange: gauge(
      'etl_newest_change_timestamp_seconds',
      'When the newest change transformed into DWRepository was made (the ETL lag is now minus this)',
    ),
  };
}

async function refresh(o: DwMetricsOptions, g: Gauges): Promise<void> {
  const now = Date.now();
  // No sample rather than prom-client's default 0 for what is not there (no drill yet is not a failed one).
  for (const gauge of Object.values(g)) {
    gauge.reset();
    if (unlabelled.has(gauge)) gauge.remove();
  }
  const runs = await o.staging.query<{ finished_at: Date | null; outcome: string | null }>(
    'SELECT finished_at, outcome FROM backup_runs ORDER BY slot DESC LIMIT 1',
  );
  const run = runs.rows[0];
  if (run?.outcome) g.runOk.set(run.outcome === 'ok' ? 1 : 0);
  if (run?.finished_at) g.runTime.set(seconds(run.finished_at));
  const newest = await o.staging.query<{ started_at: Date; size: string | null }>(
    'SELECT started_at, size FROM backup_runs WHERE verified ORDER BY slot DESC LIMIT 1',
  );
  if (newest.rows[0]) {
    g.backupTime.set(seconds(newest.rows[0].started_at));
    g.backupSize.set(Number(newest.rows[0].size ?? 0));
  }
  const d = await lastDrill(o.staging);
  if (d) {
    g.drillOk.set(d.ok ? 1 : 0);
    g.drillTime.set(seconds(d.finishedAt ?? d.startedAt));
    g.drillDuration.set(seconds(d.finishedAt ?? d.startedAt) - seconds(d.startedAt));
    g.drillRto.set(((d.restoreMs ?? 0) + (d.apiMs ?? 0)) / 1000);
  }
  const readiness = await dwReadinessOf(o.staging, o.config);
  if (readiness) g.recoverable.set(readiness.recoverable ? 1 : 0);
  for (const k of await listKeyRecords(o.staging))
    g.keyAge.set({ key_id: k.keyId }, k.lastBackupAt ? (now - k.lastBackupAt.getTime()) / 1000 : -1);
  await refreshJobs(o, g);
}

async function refreshJobs(o: DwMetricsOptions, g: Gauges): Promise<void> {
  const jobs = await o.staging.query<{
    job: string;
    started_at: Date;
    finished_at: Date;
    outcome: string;
    rows: number;
  }>(
    `SELECT DISTINCT ON (job) job, started_at, finished_at, outcome, rows FROM job_runs
      WHERE finished_at IS NOT NULL ORDER BY job, id DESC`,
  );
  for (const r of jobs.rows) {
    const job = { job: r.job };
    g.jobTime.set(job, seconds(r.finished_at));
    g.jobDuration.set(job, seconds(r.finished_at) - seconds(r.started_at));
    g.jobOk.set(job, r.outcome === 'ok' ? 1 : 0);
    g.jobRows.set(job, Number(r.rows));
  }
  if (!o.repository) return;
  // DWRepository not migrated yet (a scrape between listen and start): no series.
  const newest = await newestChangeAt(o.repository).catch(() => null);
  if (newest) g.newestChange.set(seconds(newest));
}

/** When the newest change transformed into DWRepository was made (null: none yet). */
export async function newestChangeAt(repository: Queryable): Promise<Date | null> {
  const c = await repository.query<{ newest: Date | null }>(
    `SELECT max(m) AS newest FROM (SELECT max(changed_at) AS m FROM work_item_versions
       UNION ALL SELECT max(changed_at) FROM config_item_versions
       UNION ALL SELECT max(changed_at) FROM user_versions) x`,
  );
  return c.rows[0]?.newest ?? null;
}
