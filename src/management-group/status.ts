/**
 * The status of the management group as seen from this computer: the group,
 * this computer's parts, every registered computer with its liveness, and the
 * key ids with whether they are here, verify, and were ever backed up, the
 * workflow lease (holder, since, expiry, token) and the workflow history. Key ids
 * only, never key material. The same function answers `smgr status` whether
 * the CLI opens the database itself or asks the running server.
 */
import type { SmgrConfig } from '../computer/config-file.js';
import type { Database } from '../db/database.js';
import { schemaVersion } from '../db/migrate.js';
import { kekMatches } from '../keys/key-hierarchy.js';
import { listKeyRecords } from '../keys/key-records.js';
import { summarizeRuns, type WorkflowRunSummary } from '../management-server/workflows/run-history.js';
import type { SecureStorage } from '../secure-storage/secure-storage.js';
import { requireManagementGroup } from './management-group.js';
import { listRegistrations } from './registration.js';
import { readLease } from './workflow-lease.js';

export interface StatusReport {
  managementGroup: { id: string; name: string };
  computerName: string;
  database: { url: string; engine: string; schemaVersion: number };
  parts: Array<{ part: string; role: string }>;
  servers: Array<{
    computerName: string;
    part: string;
    role: string;
    alive: boolean;
    lastHeartbeat: string | null;
  }>;
  keys: Array<{
    keyId: string;
    part: string;
    inSecureStorage: boolean;
    verifies: boolean;
    lastBackupAt: string | null;
  }>;
  /** Who holds the workflow lease (null before schema 3). */
  workflowLease: {
    holder: string | null;
    since: string | null;
    expiresAt: string | null;
    token: number;
  } | null;
  /** The lease state by the database clock, and the workflow history per workflow. */
  workflows: { leaseLive: boolean; history: WorkflowRunSummary[] } | null;
  warnings: string[];
}

export async function collectStatus(
  db: Database,
  config: SmgrConfig,
  storage: SecureStorage,
): Promise<StatusReport> {
  const group = await requireManagementGroup(db);
  const registrations = await listRegistrations(db);
  const hasLease = (await schemaVersion(db)) >= 3;
  const lease = hasLease ? await readLease(db) : undefined;
  const records = await listKeyRecords(db);
  const keys = records.map((r) => {
    const local = storage.getKey(r.keyId);
    return {
      keyId: r.keyId,
      part: r.part,
      inSecureStorage: local !== undefined,
      verifies: local !== undefined && kekMatches(local.kek, r.keyId, r.verifier),
      lastBackupAt: r.lastBackupAt?.toISOString() ?? null,
    };
  });
  const warnings: string[] = [];
  for (const k of keys) {
    if (k.inSecureStorage && k.lastBackupAt === null) {
      warnings.push(
        `Encryption key ${k.keyId} has never been backed up: run smgr key backup --file FILE now.`,
      );
    }
  }
  return {
    managementGroup: { id: group.id, name: group.name },
    computerName: config.computerName,
    database: { url: db.displayUrl, engine: db.engine, schemaVersion: await schemaVersion(db) },
    parts: registrations
      .filter((r) => r.computerName === config.computerName)
      .map((r) => ({ part: r.part, role: r.role })),
    servers: registrations.map((r) => ({
      computerName: r.computerName,
      part: r.part,
      role: r.role,
      alive: r.alive,
      lastHeartbeat: r.lastHeartbeat?.toISOString() ?? null,
    })),
    keys,
    workflowLease: lease
      ? {
          holder: lease.holder,
          since: lease.since?.toISOString() ?? null,
          expiresAt: lease.expiresAt?.toISOString() ?? null,
          token: lease.token,
        }
      : null,
    workflows: lease ? { leaseLive: !lease.expired, history: await summarizeRuns(db) } : null,
    warnings,
  };
}
