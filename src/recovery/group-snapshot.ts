/**
 * What a preflight check of `smgr recover` reads about a management group,
 * from wherever the plan will take it: an intact database (read here, with
 * queries only) or an archive's snapshot (archive-snapshot.ts). The same
 * checks run on both.
 */
import type { Queryable } from '../db/database.js';
import { listKeyRecords } from '../keys/key-records.js';
import { findManagementGroup } from '../management-group/management-group.js';
import { listRegistrations } from '../management-group/registration.js';

export interface GroupSnapshot {
  /** For messages: "the database postgres://…", "the archive /path". */
  source: string;
  group: { id: string; name: string } | undefined;
  keyRecords: Array<{ keyId: string; part: string; verifier: Buffer }>;
  registrations: Array<{
    computerName: string;
    part: string;
    alive: boolean;
    aliveLeftS: number;
    lastHeartbeat: string | null;
  }>;
}

export async function readGroupSnapshot(db: Queryable, displayUrl: string): Promise<GroupSnapshot> {
  const source = `the database ${displayUrl}`;
  const group = await findManagementGroup(db);
  if (!group) return { source, group: undefined, keyRecords: [], registrations: [] };
  return {
    source,
    group: { id: group.id, name: group.name },
    keyRecords: (await listKeyRecords(db)).map((k) => ({
      keyId: k.keyId,
      part: k.part,
      verifier: k.verifier,
    })),
    registrations: (await listRegistrations(db)).map((r) => ({
      computerName: r.computerName,
      part: r.part,
      alive: r.alive,
      aliveLeftS: r.aliveLeftS,
      lastHeartbeat: r.lastHeartbeat?.toISOString() ?? null,
    })),
  };
}
