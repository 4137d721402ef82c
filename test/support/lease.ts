/**
 * A ServiceManager database with a management group of three management
 * servers, for the workflow lease tests: ms01 (the workflow server, lease
 * token 1, not yet claimed), ms02 and ms03 (secondaries). Short timings.
 */
import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { serviceManagerMigrations } from '../../src/db/migrations/service-manager.js';
import type { LeaseSettings } from '../../src/management-group/lease-settings.js';
import { registerComputer } from '../../src/management-group/registration.js';
import {
  initLease,
  type LeaseState,
  readLease,
  renewLease,
  type Tenure,
} from '../../src/management-group/workflow-lease.js';
import type { EngineFixture } from './engines.js';
import { eventually } from './eventually.js';

export const SERVERS = ['ms01', 'ms02', 'ms03'] as const;

export const FAST: LeaseSettings = {
  leaseMs: 400,
  renewMs: 100,
  failover: 'manual',
  graceMs: 200,
  fenceIdleMs: 300,
  lockTimeoutMs: 3000,
};

export async function prepareGroup(db: Database, leaseMs = FAST.leaseMs): Promise<void> {
  await migrate(db, serviceManagerMigrations);
  await db.transaction(async (tx) => {
    await tx.query('INSERT INTO management_group (id, name) VALUES ($1, $2)', [randomUUID(), 'Contoso']);
    await registerComputer(tx, 'ms01', 'management-server', 'workflow');
    await registerComputer(tx, 'ms02', 'management-server', 'secondary');
    await registerComputer(tx, 'ms03', 'management-server', 'secondary');
    await initLease(tx, 'ms01', 'setup@ms01', leaseMs);
  });
}

/** Opens a fresh database of the engine with prepareGroup() applied. */
export async function openGroup(fx: EngineFixture, leaseMs?: number): Promise<{ db: Database; url: string }> {
  const url = await fx.newDatabaseUrl();
  const db = await fx.open(url);
  await prepareGroup(db, leaseMs);
  return { db, url };
}

export { sleep } from './eventually.js';

/**
 * Waits until the lease has expired by the database clock (beyond `graceMs`
 * when given): what a test waits for instead of sleeping for a lease's length.
 */
export function untilExpired(db: Queryable, graceMs?: number): Promise<LeaseState> {
  return eventually(graceMs ? `the lease to expire for ${graceMs} ms` : 'the lease to expire', async () => {
    const lease = await readLease(db, graceMs);
    return (graceMs ? lease.expiredBeyondGrace : lease.expired) && lease;
  });
}

/** Roles of the management servers, by name. */
export async function roles(db: Database): Promise<Record<string, string>> {
  const r = await db.query<{ computer_name: string; role: string }>(
    `SELECT computer_name, role FROM computers WHERE part = 'management-server' ORDER BY computer_name`,
  );
  return Object.fromEntries(r.rows.map((x) => [x.computer_name, x.role]));
}

/** The lease history, oldest first: [event, holder, token]. */
export async function leaseEvents(db: Database): Promise<Array<[string, string, number]>> {
  const r = await db.query<{ event: string; holder: string; token: number }>(
    'SELECT event, holder, token FROM workflow_lease_history ORDER BY id',
  );
  return r.rows.map((x) => [x.event, x.holder, x.token]);
}

/**
 * A holder that stopped renewing, without waiting a lease's length: its last
 * renewal (the real renewLease) was for 1 ms; answers once it has expired.
 */
export async function lapse(db: Database, t: Tenure): Promise<void> {
  if (!(await renewLease(db, t, 1, FAST.lockTimeoutMs))) throw new Error(`token ${t.token} was not live`);
  await untilExpired(db);
}
