/**
 * The doctor's workflow-lease check (ARCHITECTURE §5 step 5): exactly one
 * workflow server holds the lease. Read-only. It fails when nobody holds the
 * lease, when the holder is not a registered management server, or when the
 * role column disagrees with the lease; it warns when the holder's lease has
 * expired (no server runs workflows until it comes back or another is
 * promoted).
 */
import type { Database } from '../db/database.js';
import { schemaVersion } from '../db/migrate.js';
import { listRegistrations } from '../management-group/registration.js';
import { readLease } from '../management-group/workflow-lease.js';
import type { DoctorCheck } from './doctor-check.js';

const NAME = 'workflow lease';

export async function checkWorkflowLease(db: Database): Promise<DoctorCheck> {
  if ((await schemaVersion(db)) < 3) {
    return {
      name: NAME,
      state: 'warn',
      detail: 'this schema has no workflow lease yet',
      remedy: 'Run smgr serve once to apply migrations.',
    };
  }
  const lease = await readLease(db);
  const servers = (await listRegistrations(db)).filter((r) => r.part === 'management-server');
  const promote = 'Promote a management server: smgr promote COMPUTER';
  if (lease.holder === null) {
    return {
      name: NAME,
      state: 'fail',
      detail: 'no management server holds the workflow lease',
      remedy: promote,
    };
  }
  if (!servers.some((s) => s.computerName === lease.holder)) {
    return {
      name: NAME,
      state: 'fail',
      detail: `the workflow lease names ${lease.holder}, which is not a registered management server`,
      remedy: promote,
    };
  }
  const byRole = servers.filter((s) => s.role === 'workflow').map((s) => s.computerName);
  if (byRole.length !== 1 || byRole[0] !== lease.holder) {
    return {
      name: NAME,
      state: 'fail',
      detail: `the lease names ${lease.holder} but the registrations name ${byRole.join(', ') || 'no server'} as workflow server`,
      remedy:
        'Promote the server that should run the workflows (smgr promote COMPUTER); it sets every role again.',
    };
  }
  if (lease.expired) {
    return {
      name: NAME,
      state: 'warn',
      detail: `${lease.holder} is the workflow server (token ${lease.token}) but its lease is not live (expires ${lease.expiresAt?.toISOString() ?? 'never claimed'}): no server runs workflows`,
      remedy: `Start smgr serve on ${lease.holder}, or promote a running secondary: smgr promote COMPUTER`,
    };
  }
  return {
    name: NAME,
    state: 'pass',
    detail: `${lease.holder} holds the workflow lease (token ${lease.token}) until ${lease.expiresAt!.toISOString()}; it is the only workflow server`,
  };
}
