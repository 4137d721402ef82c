/**
 * Runs the management server installed on this computer. Before listening it
 * checks, changing nothing if any check fails: no other server runs from this
 * home; the database holds this config's management group; this computer is
 * registered; the KEK in secure storage verifies against its key record.
 * Then: pending migrations, HTTP API, admin channel, heartbeat, and the
 * workflow runtime (lease keeper and workflows, workflow-runtime.ts). stop()
 * (SIGTERM/SIGINT) ends the workflows and the lease tenure, closes the
 * listener, records a clean stop in the database, and closes everything.
 *
 * Crash (kill -9): leaves server.pid, admin.sock and a registration that
 * stops heartbeating — it is no longer alive after ALIVE_WINDOW_S; the next
 * start takes over the stale pid file and socket. Its lease tenure expires by
 * itself (the next start claims it again with a new token).
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ensureBackupRecipient } from '../backup/backup-recipient.js';
import { runBackup } from '../backup/run-backup.js';
import type { HomePaths } from '../computer/home.js';
import { type Installation, openInstallation } from '../computer/installation.js';
import { migrate } from '../db/migrate.js';
import { serviceManagerMigrations } from '../db/migrations/service-manager.js';
import { SmgrError } from '../errors/smgr-error.js';
import { lockFile } from '../files/file-lock.js';
import { recordKeyBackup } from '../keys/key-records.js';
import { unlockKey } from '../keys/unlock-key.js';
import { requireManagementGroup } from '../management-group/management-group.js';
import {
  getRegistration,
  HEARTBEAT_INTERVAL_MS,
  heartbeat,
  recordCleanStop,
} from '../management-group/registration.js';
import { collectStatus } from '../management-group/status.js';
import { runDoctor } from '../recovery/doctor.js';
import { type AdminChannel, startAdminChannel } from './admin-channel.js';
import { buildApp } from './build-app.js';
import { createWorkflowRuntime, type WorkflowRuntime } from './workflow-runtime.js';
import type { NotificationSender } from './workflows/notification-sender.js';

export interface ServeOptions {
  home: HomePaths;
  computerName?: string;
  listen?: string;
  logger: Logger;
  /** Where the outbox delivers (default: <home>/notifications.log). */
  notificationSender?: NotificationSender;
}

export interface RunningServer {
  /** host:port actually bound. */
  address: string;
  stop(): Promise<void>;
}

export async function startManagementServer(o: ServeOptions): Promise<RunningServer> {
  const pidLock = lockFile(o.home.serverPid, (pid) => new SmgrError('SERVER_RUNNING', { pid }));
  const cleanups: Array<() => Promise<void> | void> = [() => pidLock.release()];
  const undo = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
  };
  try {
    const inst = await openInstallation(o.home, o.computerName);
    cleanups.push(() => inst.db.close());
    const workflows = createWorkflowRuntime(inst, o.logger, o.notificationSender);
    const { app } = await checkAndBuild(inst, o.logger, () => workflows.role());
    cleanups.push(() => app.close());
    const address = await listen(app, o.listen ?? inst.config.managementServer!.listen);
    const admin = await startAdminChannel(o.home.adminSocket, {
      status: async () => collectStatus(inst.db, inst.config, inst.storage),
      doctor: async () => runDoctor(inst.db, inst.config, inst.storage),
      backup: async (body, report) => {
        const directory = (body as { directory?: unknown }).directory;
        if (directory !== undefined && typeof directory !== 'string') {
          throw new SmgrError('USAGE', { detail: 'directory must be a path' });
        }
        return runBackup({ home: o.home, db: inst.db, config: inst.config, directory, progress: { report } });
      },
      'record-key-backup': async (body) => {
        const keyIds = (body as { keyIds?: unknown }).keyIds;
        if (!Array.isArray(keyIds) || !keyIds.every((k) => typeof k === 'string')) {
          throw new SmgrError('USAGE', { detail: 'keyIds must be a list of key ids' });
        }
        await recordKeyBackup(inst.db, keyIds);
        return { recorded: keyIds.length };
      },
      promote: (body) => workflows.promote(body),
    });
    cleanups.push(() => admin.close());
    const beat = await startHeartbeat(inst, o.logger);
    cleanups.push(() => workflows.stop());
    await workflows.start();
    const role = workflows.role();
    o.logger.info({ address, computerName: inst.computerName, role }, 'management server started');
    return { address, stop: () => stop(inst, o.logger, beat, workflows, admin, app, undo) };
  } catch (e) {
    await undo();
    throw e;
  }
}

async function checkAndBuild(inst: Installation, logger: Logger, role: () => 'workflow' | 'secondary') {
  const group = await requireManagementGroup(inst.db);
  if (group.id !== inst.config.managementGroup.id) {
    throw new SmgrError('CONFIG_INVALID', {
      path: inst.home.config,
      reason: `it names management group ${inst.config.managementGroup.name}, the database holds ${group.name}`,
    });
  }
  const reg = await getRegistration(inst.db, inst.computerName, 'management-server');
  if (!reg) throw new SmgrError('NOT_REGISTERED', { computer: inst.computerName, group: group.name });
  const sealer = await unlockKey(inst.db, inst.storage, inst.config.managementServer!.keyId, group.name);
  await migrate(inst.db, serviceManagerMigrations);
  // Upgrade: a group made before backup recipients existed gets one now (this computer holds its key).
  await ensureBackupRecipient(inst.db, inst.storage, group.id);
  const app = await buildApp({
    db: inst.db,
    sealer,
    logger,
    identity: {
      managementGroup: { id: group.id, name: group.name },
      computerName: inst.computerName,
      get role() {
        return role();
      },
    },
  });
  return { app };
}

async function listen(app: FastifyInstance, listen: string): Promise<string> {
  const m = /^(.*):(\d+)$/.exec(listen);
  if (!m) throw new SmgrError('USAGE', { detail: `--listen must be HOST:PORT, not ${listen}` });
  const host = m[1]!.replace(/^\[(.*)\]$/, '$1');
  try {
    await app.listen({ host, port: Number(m[2]) });
  } catch (e) {
    throw new SmgrError('LISTEN_FAILED', {
      address: listen,
      reason: (e as NodeJS.ErrnoException).code ?? 'error',
    });
  }
  const addr = app.server.address();
  return typeof addr === 'object' && addr
    ? `${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`
    : listen;
}

async function startHeartbeat(inst: Installation, logger: Logger): Promise<NodeJS.Timeout> {
  await heartbeat(inst.db, inst.computerName, 'management-server');
  const timer = setInterval(() => {
    heartbeat(inst.db, inst.computerName, 'management-server').catch((e: Error) =>
      logger.warn({ err: { message: e.message } }, 'heartbeat failed'),
    );
  }, HEARTBEAT_INTERVAL_MS);
  timer.unref();
  return timer;
}

async function stop(
  inst: Installation,
  logger: Logger,
  beat: NodeJS.Timeout,
  workflows: WorkflowRuntime,
  admin: AdminChannel,
  app: FastifyInstance,
  undo: () => Promise<void>,
): Promise<void> {
  clearInterval(beat);
  await workflows.stop();
  await app.close();
  await admin.close();
  await recordCleanStop(inst.db, inst.computerName, 'management-server').catch((e: Error) =>
    logger.warn({ err: { message: e.message } }, 'could not record the clean stop'),
  );
  await undo();
  logger.info({ computerName: inst.computerName }, 'management server stopped');
}
