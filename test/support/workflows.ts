/**
 * Helpers for the workflow tests: a group whose workflow server (ms01) has
 * claimed the lease, work items with back-dated times, a scheduler over a
 * given tenure, and a logger that keeps its lines.
 */
import { randomUUID } from 'node:crypto';
import { type Logger, pino } from 'pino';
import type { Database } from '../../src/db/database.js';
import { claimLease, type Tenure } from '../../src/management-group/workflow-lease.js';
import { WorkflowScheduler } from '../../src/management-server/workflows/scheduler.js';
import type { Workflow } from '../../src/management-server/workflows/workflow.js';
import type { EngineFixture } from './engines.js';
import { FAST, openGroup } from './lease.js';

export const LONG_LEASE = 60_000;

export async function openClaimedGroup(fx: EngineFixture): Promise<{ db: Database; tenure: Tenure }> {
  const { db } = await openGroup(fx, LONG_LEASE);
  const tenure = (await claimLease(db, 'ms01', randomUUID(), LONG_LEASE, FAST.lockTimeoutMs))!;
  return { db, tenure };
}

export function captureLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const raw: string[] = [];
  const logger: Logger = pino({ level: 'debug' }, { write: (l: string) => raw.push(l) });
  return { logger, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

export function schedulerFor(
  db: Database,
  tenure: () => Tenure | undefined,
  workflows: readonly Workflow[],
  logger = captureLogger().logger,
): WorkflowScheduler {
  // The database ends a fenced transaction idle this long: far beyond any stall of a loaded machine
  // (fence.test.ts covers that ending).
  return new WorkflowScheduler({ db, tenure, workflows, tickMs: 50, fenceIdleMs: 60_000, logger });
}

export interface ItemSpec {
  class?: 'incident' | 'service-request';
  status?: 'active' | 'pending' | 'resolved' | 'closed';
  priority?: number | null;
  /** Days since creation. */
  createdDaysAgo?: number;
  /** Days since the last change (default: createdDaysAgo). */
  updatedDaysAgo?: number;
}

/** Inserts a work item with back-dated times; answers its id. */
export async function insertItem(db: Database, s: ItemSpec = {}): Promise<number> {
  const created = s.createdDaysAgo ?? 0;
  const r = await db.query<{ id: number }>(
    `WITH next AS (SELECT nextval(pg_get_serial_sequence('work_items', 'id')) AS id)
     INSERT INTO work_items (id, class, display_id, title, priority, status, created_at, updated_at)
     SELECT next.id, $1, 'WI' || next.id, 'test item', $2, $3,
            now() - make_interval(secs => $4::float8 * 86400), now() - make_interval(secs => $5::float8 * 86400)
       FROM next RETURNING id`,
    [s.class ?? 'incident', s.priority ?? null, s.status ?? 'active', created, s.updatedDaysAgo ?? created],
  );
  return r.rows[0]!.id;
}

export async function ids(db: Database, sql: string): Promise<number[]> {
  const r = await db.query<{ id: number }>(sql);
  return r.rows.map((x) => x.id);
}
