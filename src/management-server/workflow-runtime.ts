/**
 * The workflow side of a running management server: its lease keeper and
 * its workflow scheduler (grooming, SLA, outbox), built from this
 * computer's config. Every management server runs both; only the one that
 * holds the lease runs workflows.
 *
 * create() reads and checks the settings and touches nothing; start() checks
 * the lease once (so the role is known) and starts both loops; stop() ends
 * the current workflow batch, then the tenure (the lease expires at once, so
 * this computer takes it again when it restarts). A crash leaves a tenure
 * that expires by itself and an unfinished run that the next holder marks
 * interrupted.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import type { HomePaths } from '../computer/home.js';
import type { ManagementServerConfig } from '../config/management-server-config.js';
import type { Database } from '../db/database.js';
import { type LeaseSettings, leaseSettings } from '../management-group/lease-settings.js';
import { LeaseKeeper } from './lease-keeper.js';
import { groomingWorkflow } from './workflows/grooming.js';
import { fileSender, type NotificationSender } from './workflows/notification-sender.js';
import { outboxWorkflow } from './workflows/outbox.js';
import { WorkflowScheduler } from './workflows/scheduler.js';
import { slaWorkflow } from './workflows/sla.js';
import { workflowSettings } from './workflows/workflow-settings.js';

export interface WorkflowRuntime {
  readonly settings: LeaseSettings;
  readonly keeper: LeaseKeeper;
  /** `workflow` when the database names this computer the lease holder. */
  role(): 'workflow' | 'secondary';
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface WorkflowRuntimeOptions {
  db: Database;
  home: HomePaths;
  computerName: string;
  config: ManagementServerConfig;
  logger: Logger;
  /** Where the outbox delivers (default: <home>/notifications.log). */
  sender?: NotificationSender;
}

export function notificationLogPath(home: HomePaths): string {
  return path.join(home.root, 'notifications.log');
}

export function createWorkflowRuntime(o: WorkflowRuntimeOptions): WorkflowRuntime {
  const { db, logger } = o;
  const sender = o.sender ?? fileSender(notificationLogPath(o.home));
  const settings = leaseSettings(o.config, o.home.config);
  const ws = workflowSettings(o.config, o.home.config);
  const keeper = new LeaseKeeper(db, o.computerName, settings, logger);
  const scheduler = new WorkflowScheduler({
    db,
    tenure: () => keeper.tenure,
    workflows: [groomingWorkflow(ws.grooming), slaWorkflow(ws.sla), outboxWorkflow(ws.outbox, sender)],
    tickMs: ws.tickMs,
    fenceIdleMs: settings.fenceIdleMs,
    logger,
  });
  let started = false;
  return {
    settings,
    keeper,
    role: () => keeper.role,
    async start() {
      await keeper.start();
      scheduler.start();
      started = true;
    },
    async stop() {
      if (!started) return keeper.stop(false);
      await scheduler.stop();
      await keeper.stop(true);
    },
  };
}
