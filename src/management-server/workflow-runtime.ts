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
import type { Installation } from '../computer/installation.js';
import { SmgrError } from '../errors/smgr-error.js';
import { type LeaseSettings, leaseSettings } from '../management-group/lease-settings.js';
import { type PromoteResult, promote } from '../management-group/promote.js';
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
  /** The admin-channel side of smgr promote. */
  promote(body: unknown): Promise<PromoteResult>;
}

export function notificationLogPath(inst: Installation): string {
  return path.join(inst.home.root, 'notifications.log');
}

export function createWorkflowRuntime(
  inst: Installation,
  logger: Logger,
  sender: NotificationSender = fileSender(notificationLogPath(inst)),
): WorkflowRuntime {
  const settings = leaseSettings(inst.config, inst.home.config);
  const ws = workflowSettings(inst.config, inst.home.config);
  const keeper = new LeaseKeeper(inst.db, inst.computerName, settings, logger);
  const scheduler = new WorkflowScheduler({
    db: inst.db,
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
    async promote(body) {
      const b = (body ?? {}) as { computer?: unknown; force?: unknown };
      if (typeof b.computer !== 'string') throw new SmgrError('USAGE', { detail: 'computer must be a name' });
      const result = await promote(inst.db, {
        computer: b.computer,
        force: b.force === true,
        actor: `promote@${inst.computerName}`,
        settings,
      });
      await keeper.poke();
      return result;
    },
  };
}
