/**
 * smgr promote COMPUTER [--force]: makes a registered management server the
 * workflow server (the p_PromoteActiveWorkflowServer of the original, made
 * safe by the fencing token).
 *
 * Refusals, each changing nothing (the transaction rolls back):
 *  - COMPUTER is not a management server of this group (PROMOTE_UNKNOWN_SERVER);
 *  - COMPUTER already holds the lease (PROMOTE_ALREADY_HOLDER);
 *  - the current holder's lease is live, by the database clock, and --force
 *    was not given (LEASE_HELD).
 * On success, in one transaction holding the lease row: the next token, the
 * new holder (not yet claimed: its server claims it at its next lease check,
 * or when it starts), the role column, the lease history and the audit log.
 * With --force a live holder is fenced: its token is no longer current, so
 * the database refuses its next workflow write and its renewal.
 */

import { audit } from '../audit/audit.js';
import { normalizeComputerName } from '../computer/computer-name.js';
import type { Database } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import type { LeaseSettings } from './lease-settings.js';
import { requireManagementGroup } from './management-group.js';
import { listRegistrations } from './registration.js';
import { assignHolder, changeLease, readLease, recordEvent } from './workflow-lease.js';

export interface PromoteOptions {
  computer: string;
  force?: boolean;
  /** Who asks, for the audit log: `promote@<computer name>`. */
  actor: string;
  settings: Pick<LeaseSettings, 'leaseMs' | 'lockTimeoutMs'>;
}

export interface PromoteResult {
  holder: string;
  token: number;
  since: string | null;
  expiresAt: string | null;
  previousHolder: string | null;
  previousToken: number;
  /** True when the previous holder's lease was live and --force fenced it. */
  fenced: boolean;
  /** Whether the new holder's server heartbeats (it claims the lease when it runs). */
  holderAlive: boolean;
}

export async function promote(db: Database, o: PromoteOptions): Promise<PromoteResult> {
  const target = normalizeComputerName(o.computer);
  const group = await requireManagementGroup(db);
  const outcome = await changeLease(
    db,
    { actor: o.actor, lockTimeoutMs: o.settings.lockTimeoutMs },
    async (tx, cur) => {
      const servers = (await listRegistrations(tx)).filter((r) => r.part === 'management-server');
      const reg = servers.find((r) => r.computerName === target);
      if (!reg) {
        throw new SmgrError('PROMOTE_UNKNOWN_SERVER', {
          computer: target,
          group: group.name,
          servers: servers.map((s) => s.computerName).join(', ') || 'none',
        });
      }
      if (cur.holder === target) {
        throw new SmgrError('PROMOTE_ALREADY_HOLDER', { computer: target, token: cur.token });
      }
      const live = cur.holder !== null && !cur.expired;
      if (live && !o.force) {
        throw new SmgrError('LEASE_HELD', {
          holder: cur.holder!,
          token: cur.token,
          expiresAt: cur.expiresAt?.toISOString() ?? 'unknown',
        });
      }
      const token = await assignHolder(tx, target, null, o.settings.leaseMs);
      await recordEvent(tx, {
        token,
        holder: target,
        instance: null,
        event: live ? 'promote-forced' : 'promote',
        actor: o.actor,
        previous: cur,
      });
      await audit(tx, o.actor, 'workflow-lease.promoted', target, {
        token,
        previousHolder: cur.holder,
        previousToken: cur.token,
        fenced: live,
      });
      return { previous: cur, now: await readLease(tx), fenced: live, holderAlive: reg.alive };
    },
  );
  return {
    holder: target,
    token: outcome.now.token,
    since: outcome.now.since?.toISOString() ?? null,
    expiresAt: outcome.now.expiresAt?.toISOString() ?? null,
    previousHolder: outcome.previous.holder,
    previousToken: outcome.previous.token,
    fenced: outcome.fenced,
    holderAlive: outcome.holderAlive,
  };
}
