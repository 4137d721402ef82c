/**
 * The management server's part of `smgr status`: the group, every
 * registered computer with its liveness (every part's computers register in
 * ServiceManager), the key records with whether they are here, verify, and
 * were ever backed up, the workflow lease (holder, since, expiry, token) and
 * the workflow history. Key ids only, never key material. Read-only.
 */
import type { Database } from '../db/database.js';
import { schemaVersion } from '../db/migrate.js';
import { kekMatches } from '../keys/key-hierarchy.js';
import { listKeyRecords } from '../keys/key-records.js';
import { requireManagementGroup } from '../management-group/management-group.js';
import { listRegistrations } from '../management-group/registration.js';
import { readLease } from '../management-group/workflow-lease.js';
import type { PartStatus } from '../parts/part.js';
import type { SecureStorage } from '../secure-storage/secure-storage.js';
import { summarizeRuns } from './workflows/run-history.js';

export async function collectStatus(
  db: Database,
  computerName: string,
  storage: SecureStorage,
): Promise<PartStatus> {
  const group = await requireManagementGroup(db);
  const registrations = await listRegistrations(db);
  const version = await schemaVersion(db);
  const lease = version >= 3 ? await readLease(db) : undefined;
  const keys = (await listKeyRecords(db)).map((r) => {
    const local = storage.getKey(r.keyId);
    return {
      keyId: r.keyId,
      part: r.part,
      inSecureStorage: local !== undefined,
      verifies: local !== undefined && kekMatches(local.kek, r.keyId, r.verifier),
      lastBackupAt: r.lastBackupAt?.toISOString() ?? null,
    };
  });
  const warnings = keys
    .filter((k) => k.inSecureStorage && k.lastBackupAt === null)
    .map((k) => `Encryption key ${k.keyId} has never been backed up: run smgr key backup --file FILE now.`);
  const own = registrations.find((r) => r.computerName === computerName && r.part === 'management-server');
  const servers = registrations.map((r) => ({
    computerName: r.computerName,
    part: r.part,
    role: r.role,
    alive: r.alive,
    lastHeartbeat: r.lastHeartbeat?.toISOString() ?? null,
  }));
  const workflowLease = lease
    ? {
        holder: lease.holder,
        since: lease.since?.toISOString() ?? null,
        expiresAt: lease.expiresAt?.toISOString() ?? null,
        token: lease.token,
      }
    : null;
  const workflows = lease ? { leaseLive: !lease.expired, history: await summarizeRuns(db) } : null;
  const summary = [
    ...servers.map((s) => ({
      label: `Server ${s.computerName}`,
      value: `${s.part} ${s.role}, ${s.alive ? 'alive' : 'not running'}, last heartbeat ${s.lastHeartbeat ?? 'never'}`,
    })),
  ];
  if (workflowLease) {
    const state = workflows?.leaseLive
      ? `live until ${workflowLease.expiresAt}`
      : `EXPIRED (${workflowLease.expiresAt ?? 'never claimed'}): no server runs workflows; start ${workflowLease.holder ?? 'a server'} or run smgr promote COMPUTER`;
    summary.push({
      label: 'Workflow lease',
      value: `${workflowLease.holder ?? 'nobody'} (token ${workflowLease.token}) since ${workflowLease.since ?? 'never'}, ${state}`,
    });
  }
  for (const w of workflows?.history ?? []) {
    const last = w.last;
    summary.push({
      label: `Workflow ${w.workflow}`,
      value:
        `${w.runs} runs (${w.failed} failed, ${w.interrupted} interrupted)` +
        (last
          ? `; last #${last.seq} on ${last.holder} (token ${last.token}) ${last.outcome ?? 'running'} at ${last.finishedAt ?? last.startedAt} ${JSON.stringify(last.counts)}`
          : ''),
    });
  }
  return {
    part: 'management-server',
    role: own?.role ?? 'not registered',
    managementGroup: { id: group.id, name: group.name },
    databases: [{ name: 'ServiceManager', url: db.displayUrl, engine: db.engine, schemaVersion: version }],
    keys,
    summary,
    details: { servers, workflowLease, workflows },
    warnings,
  };
}
