/**
 * The management server as a part (src/parts/part.ts): its database is
 * ServiceManager, its key the management group key, its record in
 * ServiceManager's key_records. What `smgr serve` does for it:
 *
 *  prepare (writes nothing; any refusal leaves everything as it was):
 *    the database holds this config's management group; this computer is
 *    registered as a management server; the KEK in secure storage verifies
 *    against its record; the lease and workflow settings are valid; the API
 *    is built and its listener bound (so a port in use is found before any
 *    write). Requests that arrive before start() finishes wait for it.
 *  start: pending migrations, the backup recipient (upgrade of a group made
 *    before recipients existed), heartbeat, the workflow runtime.
 *  stop: ends the workflows and the lease tenure, closes the listener,
 *    records a clean stop.
 *
 * Crash (kill -9): a registration that stops heartbeating (no longer alive
 * after ALIVE_WINDOW_S) and a lease tenure that expires by itself.
 */

import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { defaultBackupDirectory } from '../backup/backup-directory.js';
import { ensureBackupRecipient } from '../backup/backup-recipient.js';
import { createBackup } from '../backup/create-backup.js';
import { silentProgress } from '../backup/progress.js';
import { requirePart } from '../config/config-file.js';
import type { ManagementServerConfig } from '../config/management-server-config.js';
import type { Database } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { serviceManagerMigrations } from '../db/migrations/service-manager.js';
import { openDatabase } from '../db/open-database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { recordKeyBackup } from '../keys/key-records.js';
import { unlockKey } from '../keys/unlock-key.js';
import { leaseSettings } from '../management-group/lease-settings.js'; // console-admin
import { requireManagementGroup } from '../management-group/management-group.js';
import {
  getRegistration,
  HEARTBEAT_INTERVAL_MS,
  heartbeat,
  recordCleanStop,
} from '../management-group/registration.js';
import { packEntries } from '../management-packs/archive-packs.js';
import type { OpenedPart, PartContext, PartDefinition, PreparedPart, ServerHooks } from '../parts/part.js';
import { drillInChild } from '../recovery/drill-child.js';
import { assessReadiness } from '../recovery/readiness.js';
import { readinessChecks, readinessOf, withReadiness } from '../recovery/readiness-report.js';
import type { ApiLimitOverrides } from './api-limits.js';
import { buildApp } from './build-app.js';
import { managementServerChecks } from './doctor-checks.js';
import { listenOn } from './listen.js';
import { managementServerDrill } from './management-server-drill.js';
import { managementServerRecoveryPlan } from './management-server-recovery.js';
import { managementServerSetup } from './management-server-setup.js';
import { collectStatus } from './management-server-status.js';
import { createMetrics } from './metrics.js';
import { ScheduledBackups } from './scheduled-backups.js';
import { DEFAULT_SIGN_IN_LIMITS, type SignInLimits } from './sign-in-throttle.js';
import { createWorkflowRuntime, type WorkflowRuntime } from './workflow-runtime.js';

export interface OpenedManagementServer extends OpenedPart {
  readonly db: Database;
  readonly config: ManagementServerConfig;
}

export const managementServerPart: PartDefinition = {
  name: 'management-server',
  title: 'management server',
  keyPart: 'management-group',
  recoverySetup: 'smgr setup management-server --existing-database --database URL',
  setup: managementServerSetup,
  recoveryPlan: managementServerRecoveryPlan,
  drill: managementServerDrill, // drill-child

  async open(ctx: PartContext): Promise<OpenedManagementServer> {
    const config = requirePart(ctx.home, ctx.config, 'management-server');
    const db = await openDatabase(config.database);
    return {
      definition: managementServerPart,
      managementGroup: config.managementGroup,
      databases: [{ name: 'ServiceManager', db }],
      db,
      config,
      // ops (issue 13): readiness in status and doctor
      status: async () =>
        withReadiness(
          await collectStatus(db, ctx.computerName, ctx.storage),
          await readinessOf(db, config),
          config.backups !== undefined,
        ),
      doctor: async () => [
        ...(await managementServerChecks(db, ctx.computerName, ctx.storage, config)),
        ...readinessChecks(await readinessOf(db, config), config.backups !== undefined),
      ],
      async recordKeyBackup(keyIds) {
        const known = (await db.query<{ key_id: string }>('SELECT key_id FROM key_records')).rows.map(
          (r) => r.key_id,
        );
        const mine = keyIds.filter((k) => known.includes(k));
        await recordKeyBackup(db, mine);
        return mine.length;
      },
      backup: (o) =>
        createBackup({
          db,
          config: { managementGroup: config.managementGroup, backup: ctx.config.backup },
          storage: ctx.storage,
          directory: o.directory,
          s3: config.backups?.s3, // s3-stream: the endpoint for an s3:// directory
          progress: o.progress,
          // Issue 10: every unsealed management pack as packs/<id>.json (FORMAT.md §2.11).
          namedEntries: packEntries,
        }),
      close: () => db.close(),
    };
  },

  async prepareServe(opened, ctx, serve, hooks): Promise<PreparedPart> {
    const ms = opened as OpenedManagementServer;
    const { db, config } = ms;
    const group = await requireManagementGroup(db);
    if (group.id !== config.managementGroup.id) {
      throw new SmgrError('CONFIG_INVALID', {
        path: ctx.home.config,
        reason: `it names management group ${config.managementGroup.name}, the database holds ${group.name}`,
      });
    }
    const reg = await getRegistration(db, ctx.computerName, 'management-server');
    if (!reg) throw new SmgrError('NOT_REGISTERED', { computer: ctx.computerName, group: group.name });
    const sealer = await unlockKey(db, ctx.storage, config.keyId, group.name);
    const workflows = createWorkflowRuntime({
      db,
      home: ctx.home,
      computerName: ctx.computerName,
      config,
      logger: serve.logger,
    });
    hooks.leaseChanged = () => workflows.keeper.poke();
    const scheduled = scheduledBackupsOf(ms, ctx, serve.logger, workflows); // ops (issue 13)
    let started!: () => void;
    const ready = new Promise<void>((resolve) => {
      started = resolve;
    });
    const app = await buildApp({
      db,
      sealer,
      logger: serve.logger,
      limits: limitsOf(config),
      readiness: () => assessReadiness(db, config),
      // --- console-admin (issue 14): promote from the console, the dashboard's polling interval
      leaseSettings: leaseSettings(config, ctx.home.config),
      leaseChanged: () => void workflows.keeper.poke().catch(() => {}),
      consoleLiveMs: Number(process.env.SMGR_CONSOLE_LIVE_MS) || undefined,
      // --- end console-admin
      metrics: createMetrics({
        db,
        config,
        backupDirectory: defaultBackupDirectory(ctx.home, ctx.config),
        holdsLease: () => workflows.keeper.tenure !== undefined,
      }),
      identity: {
        managementGroup: { id: group.id, name: group.name },
        computerName: ctx.computerName,
        get role() {
          return workflows.role();
        },
      },
    });
    app.addHook('onRequest', async () => ready);
    const address = await listenOn(app, serve.listen ?? config.listen);
    return {
      address,
      abandon: () => app.close(),
      async start() {
        try {
          await migrate(db, serviceManagerMigrations);
          // Upgrade: a group made before backup recipients existed gets one now (this computer holds its key).
          await ensureBackupRecipient(db, ctx.storage, group.id);
          const beat = await startHeartbeat(db, ctx.computerName, serve.logger);
          await workflows.start();
          scheduled.start();
          started();
          serve.logger.info(
            { address, computerName: ctx.computerName, role: workflows.role() },
            'management server started',
          );
          return {
            address,
            stop: async () => {
              await scheduled.stop();
              await stop(db, ctx.computerName, serve.logger, beat, workflows, app);
            },
          };
        } catch (e) {
          await scheduled.stop().catch(() => {});
          await workflows.stop().catch(() => {});
          await app.close().catch(() => {});
          throw e;
        }
      },
    };
  },
};

/** ops (issue 13): the scheduled backups of this server (they run only while it holds the workflow lease). */
function scheduledBackupsOf(
  ms: OpenedManagementServer,
  ctx: PartContext,
  logger: Logger,
  workflows: WorkflowRuntime,
): ScheduledBackups {
  return new ScheduledBackups({
    db: ms.db,
    home: ctx.home,
    computerName: ctx.computerName,
    config: ms.config,
    configPath: ctx.home.config,
    directory: defaultBackupDirectory(ctx.home, ctx.config),
    tenure: () => workflows.keeper.tenure,
    fenceIdleMs: workflows.settings.fenceIdleMs,
    logger,
    backup: (directory) => ms.backup({ directory, progress: silentProgress }),
    // drill-child: in a child process (drill-child.ts), so this server's event loop keeps the lease.
    drill: (archive, o) =>
      drillInChild({
        home: ctx.home,
        computerName: ctx.computerName,
        part: 'management-server',
        file: archive.file, // s3-stream: an archive streamed into the bucket is drilled from there
        archiveCreatedAt: archive.createdAt,
        ...o,
      }),
  });
}

/** config.json's limits over the defaults (rules merged field by field). */
function limitsOf(config: ManagementServerConfig): ApiLimitOverrides | undefined {
  const l = config.limits;
  if (!l) return undefined;
  const rule = (r: keyof SignInLimits) => ({ ...DEFAULT_SIGN_IN_LIMITS[r], ...l.signIn?.[r] });
  return { signIn: { user: rule('user'), address: rule('address') }, http: l.http };
}

async function startHeartbeat(db: Database, computerName: string, logger: Logger): Promise<NodeJS.Timeout> {
  await heartbeat(db, computerName, 'management-server');
  const timer = setInterval(() => {
    heartbeat(db, computerName, 'management-server').catch((e: Error) =>
      logger.warn({ err: { message: e.message } }, 'heartbeat failed'),
    );
  }, HEARTBEAT_INTERVAL_MS);
  timer.unref();
  return timer;
}

async function stop(
  db: Database,
  computerName: string,
  logger: Logger,
  beat: NodeJS.Timeout,
  workflows: WorkflowRuntime,
  app: FastifyInstance,
): Promise<void> {
  clearInterval(beat);
  await workflows.stop();
  await app.close();
  await recordCleanStop(db, computerName, 'management-server').catch((e: Error) =>
    logger.warn({ err: { message: e.message } }, 'could not record the clean stop'),
  );
  logger.info({ computerName }, 'management server stopped');
}

export type { ServerHooks };
