/**
 * A ServiceManager database with a management group of three management
 * servers, for the workflow lease tests: ms01 (the workflow server, lease
 * token 1, not yet claimed), ms02 and ms03 (secondaries). Short timings.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { serviceManagerMigrations } from '../../src/db/migrations/service-manager.js';
import type { LeaseSettings } from '../../src/management-group/lease-settings.js';
import { registerComputer } from '../../src/management-group/registration.js';
import { initLease } from '../../src/management-group/workflow-lease.js';
import type { EngineFixture } from './engines.js';

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

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

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
