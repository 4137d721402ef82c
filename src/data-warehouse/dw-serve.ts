/**
 * `smgr serve` for the data warehouse part.
 *
 * prepare (writes nothing; a refusal leaves everything as it was): the
 * config names DWStagingAndConfig's group; this computer is registered
 * there; the KEK verifies against its record there (KEY_MISSING,
 * KEY_MISMATCH) and, once registered, against its record in ServiceManager
 * through the management server's API (DW_KEY_MISMATCH_SOURCE); an
 * unreachable management server is logged, not fatal (the check runs again
 * at each heartbeat); the DW API's listener is bound (with GET /metrics,
 * dw-metrics.ts).
 * start: pending migrations of the three databases; heartbeats in
 * DWStagingAndConfig and in ServiceManager; the job runner (dw-job-runner.ts:
 * extract, mpsync, transform, load, maintenance on their schedules, one at a
 * time, transform and load chained after an extract that moved rows).
 * stop: waits for the job in progress, records a clean stop on both sides.
 */
import type { Logger } from 'pino';
import { defaultBackupDirectory } from '../backup/backup-directory.js';
import { migrate } from '../db/migrate.js';
import { SmgrError } from '../errors/smgr-error.js';
import type { SecretSealer } from '../keys/secret-sealer.js';
import { unlockKey } from '../keys/unlock-key.js';
import {
  getRegistration,
  HEARTBEAT_INTERVAL_MS,
  heartbeat,
  recordCleanStop,
} from '../management-group/registration.js';
import { listenOn } from '../management-server/listen.js';
import type { PartContext, PreparedPart, ServeContext } from '../parts/part.js';
import { drillInChild } from '../recovery/drill-child.js';
import type { OpenedDataWarehouse } from './data-warehouse-part.js';
import { buildDwApi } from './dw-api.js';
import { DW_DATABASES } from './dw-databases.js';
import { requireDwGroup } from './dw-group.js';
import type { JobResult } from './dw-job-run.js';
import { DwJobRunner } from './dw-job-runner.js';
import type { DwRunnable } from './dw-jobs.js';
import { createDwMetrics } from './dw-metrics.js';
import { DwScheduledBackups } from './dw-scheduled-backups.js';
import { openCredential, readSourceGroup } from './dw-source.js';
import type { runExtract } from './extract-job.js';
import { ReportSessionSealer, reportCookieKey } from './report-session-cookie.js';
import { withSourceSession } from './source-client.js';
import { verifyAgainstSource } from './source-record-check.js';

/** What a running DW offers operations run through the admin channel (smgr dw run extract). */
export interface DwRuntime {
  extractNow(): ReturnType<typeof runExtract>;
  /** Queues a job (or all) on the server's runner; resolves when the runs asked for end. */
  runNow(job: DwRunnable): Promise<JobResult[]>;
}

const runtimes = new WeakMap<OpenedDataWarehouse, DwRuntime>();
export const dwRuntimeOf = (dw: OpenedDataWarehouse): DwRuntime | undefined => runtimes.get(dw);

export async function prepareDwServe(
  dw: OpenedDataWarehouse,
  ctx: PartContext,
  serve: ServeContext,
): Promise<PreparedPart> {
  const group = await requireDwGroup(dw.staging);
  if (group.id !== dw.config.managementGroup.id) {
    throw new SmgrError('CONFIG_INVALID', {
      path: ctx.home.config,
      reason: `it names DW management group ${dw.config.managementGroup.name}, DWStagingAndConfig holds ${group.name}`,
    });
  }
  const reg = await getRegistration(dw.staging, ctx.computerName, 'data-warehouse');
  if (!reg) throw new SmgrError('NOT_REGISTERED', { computer: ctx.computerName, group: group.name });
  const sealer = await unlockKey(dw.staging, ctx.storage, dw.config.keyId, group.name);
  const source = await readSourceGroup(dw.staging);
  if (source) {
    try {
      await verifyAgainstSource(source, sealer, ctx.storage);
    } catch (e) {
      if (!(e instanceof SmgrError) || e.code !== 'DW_SOURCE_UNREACHABLE') throw e;
      serve.logger.warn(
        { url: source.url },
        'management server unreachable: the DW key is checked against ServiceManager when it answers',
      );
    }
  }
  const app = await buildDwApi({
    staging: dw.staging,
    repository: dw.repository,
    datamart: dw.datamart,
    logger: serve.logger,
    identity: { managementGroup: group, computerName: ctx.computerName },
    // --- dw-reports (issue 11): the report page's cookie key comes from the KEK
    cookieSealer: new ReportSessionSealer(
      reportCookieKey(ctx.storage.getKey(dw.config.keyId)!.kek, dw.config.keyId),
      dw.config.keyId,
    ),
    // --- end dw-reports
    metrics: createDwMetrics({ staging: dw.staging, repository: dw.repository, config: dw.config }),
  });
  // dw-archive: scheduled backups of the DW (a bad schedule refuses here, before anything is written).
  const scheduled = new DwScheduledBackups({
    dw,
    home: ctx.home,
    configPath: ctx.home.config,
    computerName: ctx.computerName,
    directory: defaultBackupDirectory(ctx.home, ctx.config),
    logger: serve.logger,
    backup: (directory) => dw.backup({ directory, progress: { report: () => {} } }),
    // drill-child: each verified archive drilled in a child process (dw-drill.ts)
    drill: (archive, o) =>
      drillInChild({
        home: ctx.home,
        computerName: ctx.computerName,
        part: 'data-warehouse',
        file: archive.file,
        archiveCreatedAt: archive.createdAt,
        ...o,
      }),
  });
  const address = await listenOn(app, serve.listen ?? dw.config.listen);
  return {
    address,
    abandon: () => app.close(),
    async start() {
      for (const spec of DW_DATABASES) await migrate(dw[spec.role], spec.migrations);
      const loops = startLoops(dw, ctx.computerName, sealer, serve.logger, group.name);
      runtimes.set(dw, {
        extractNow: async () => {
          const [r] = await loops.runner.run('extract', 'on demand');
          return { runId: r!.runId, rows: r!.rows, batches: r!.batches, watermark: r!.watermark };
        },
        runNow: (job) => loops.runner.run(job, 'on demand'),
      });
      scheduled.start();
      serve.logger.info({ address, computerName: ctx.computerName }, 'data warehouse server started');
      return {
        address,
        async stop() {
          runtimes.delete(dw);
          await scheduled.stop();
          await loops.stop();
          await app.close();
          await recordCleanStop(dw.staging, ctx.computerName, 'data-warehouse').catch(() => {});
          serve.logger.info({ computerName: ctx.computerName }, 'data warehouse server stopped');
        },
      };
    },
  };
}

function startLoops(
  dw: OpenedDataWarehouse,
  computerName: string,
  sealer: SecretSealer,
  logger: Logger,
  dwName: string,
) {
  const warn = (what: string) => (e: Error) => logger.warn({ err: { message: e.message } }, what);

  const beat = async (stopped = false) => {
    await heartbeat(dw.staging, computerName, 'data-warehouse');
    const source = await readSourceGroup(dw.staging);
    if (!source) return;
    await withSourceSession(source.url, source.username, openCredential(sealer, source), (s) =>
      s.call('POST', '/api/v1/data-warehouse/heartbeat', { computerName, stopped }),
    );
  };
  beat().catch(warn('heartbeat failed'));
  const beatTimer = setInterval(() => beat().catch(warn('heartbeat failed')), HEARTBEAT_INTERVAL_MS);
  beatTimer.unref();
  const runner = new DwJobRunner({ dw, dwName, runner: `${computerName}:${process.pid}`, sealer }, logger);
  runner.start();
  return {
    runner,
    async stop() {
      clearInterval(beatTimer);
      await runner.stop();
      await beat(true).catch(() => {});
    },
  };
}
