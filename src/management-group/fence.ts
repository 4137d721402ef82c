/**
 * Fenced transactions: every workflow write goes through `fenced()`, which
 * runs the caller's statements in one transaction that first reads the lease
 * row FOR SHARE and checks, by the database clock, that the caller's tenure
 * (token, holder, instance) is still the current one and unexpired, and
 * checks again just before COMMIT that it has not expired meanwhile (a pause
 * inside the transaction). If either check fails, nothing is written:
 * LEASE_LOST.
 *
 * Why a paused or partitioned old holder cannot write after losing the
 * lease: every change of the lease (workflow-lease.ts) locks the row FOR
 * UPDATE, which waits for every FOR SHARE holder. So a fenced transaction
 * either commits before the change (its writes happened while its token was
 * current), or starts its check after it and sees the new token. A holder
 * paused inside a fenced transaction cannot stall a takeover for long: the
 * transaction sets idle_in_transaction_session_timeout, so the database ends
 * it (rolling it back) once it sits idle that long.
 *
 * Crash: the transaction rolls back whole; nothing is left behind.
 */
import type { Database, Transaction } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import type { Tenure } from './workflow-lease.js';

export async function fenced<T>(
  db: Database,
  tenure: Tenure,
  idleTimeoutMs: number,
  fn: (tx: Transaction) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT set_config('idle_in_transaction_session_timeout', $1, true)`, [
      String(idleTimeoutMs),
    ]);
    const current = await tx.query(
      `SELECT 1 AS current FROM workflow_lease
        WHERE singleton AND token = $1 AND holder = $2 AND instance = $3 AND expires_at > clock_timestamp()
        FOR SHARE`,
      [tenure.token, tenure.holder, tenure.instance],
    );
    if (current.rows.length !== 1) throw new SmgrError('LEASE_LOST', { token: tenure.token });
    const result = await fn(tx);
    // The row lock kept the token current; check, just before COMMIT, that the tenure has not expired meanwhile.
    const live = await tx.query(
      `SELECT 1 AS live FROM workflow_lease WHERE singleton AND token = $1 AND expires_at > clock_timestamp()`,
      [tenure.token],
    );
    if (live.rows.length !== 1) throw new SmgrError('LEASE_LOST', { token: tenure.token });
    return result;
  });
}

export function isLeaseLost(e: unknown): boolean {
  return e instanceof SmgrError && e.code === 'LEASE_LOST';
}
