/**
 * The servers of the management group as the administrator pages show them
 * (issue 14 item 2): every registered part and computer (management
 * servers, the data warehouse, portals) with its role and liveness (a
 * heartbeat within the alive window, by the database clock), and the
 * workflow lease: its holder, fencing token, since and expiry. Promote is
 * src/management-group/promote.ts (fenced, refusals change nothing); the
 * page asks for a confirmation first. Read-only here.
 */
import type { Queryable } from '../../db/database.js';
import { listRegistrations } from '../../management-group/registration.js';
import { readLease } from '../../management-group/workflow-lease.js';

export interface GroupServer {
  computerName: string;
  part: string;
  role: string;
  alive: boolean;
  installedAt: string;
  lastHeartbeat: string | null;
  stoppedAt: string | null;
  /** True for the management server named by the workflow lease. */
  leaseHolder: boolean;
  /** A management server that is not the holder: it may be promoted. */
  promotable: boolean;
}

export interface WorkflowLeaseView {
  holder: string | null;
  token: number;
  claimed: boolean;
  since: string | null;
  expiresAt: string | null;
  expired: boolean;
}

export interface GroupServers {
  servers: GroupServer[];
  lease: WorkflowLeaseView;
}

export async function groupServers(db: Queryable): Promise<GroupServers> {
  const lease = await readLease(db);
  const servers = (await listRegistrations(db)).map((r) => {
    const holder = r.part === 'management-server' && r.computerName === lease.holder;
    return {
      computerName: r.computerName,
      part: r.part,
      role: r.role,
      alive: r.alive,
      installedAt: r.installedAt.toISOString(),
      lastHeartbeat: r.lastHeartbeat?.toISOString() ?? null,
      stoppedAt: r.stoppedAt?.toISOString() ?? null,
      leaseHolder: holder,
      promotable: r.part === 'management-server' && !holder,
    };
  });
  return {
    servers,
    lease: {
      holder: lease.holder,
      token: lease.token,
      claimed: lease.instance !== null,
      since: lease.since?.toISOString() ?? null,
      expiresAt: lease.expiresAt?.toISOString() ?? null,
      expired: lease.expired,
    },
  };
}
