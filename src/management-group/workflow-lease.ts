/**
 * The workflow lease (ARCHITECTURE §1, §5): one row of the ServiceManager
 * database naming the workflow server (`holder`, a computer name), the
 * fencing `token`, the server process that claimed it (`instance`; NULL
 * while a promoted or new holder has not started yet), `since` and
 * `expires_at`.
 *
 * Guarantees:
 *  - Expiry is decided by the database clock (clock_timestamp()) only.
 *  - The token never decreases. It increases on every change of holder and
 *    whenever a process starts a new tenure after another one (a restart,
 *    a lapse): a token names one unbroken tenure of one process. Claiming a
 *    lease assigned to this computer and not yet claimed keeps its token.
 *  - Every change runs in one transaction that first locks the row FOR
 *    UPDATE, so it waits for every fenced transaction in flight (fence.ts
 *    reads the row FOR SHARE): a write fenced by token T commits before T is
 *    replaced, or not at all. Renewal only extends a live tenure of the
 *    caller's own token.
 *  - The `role` column of `computers` changes in the same transaction as the
 *    holder (the holder is `workflow`, every other management server
 *    `secondary`), and every change is appended to workflow_lease_history.
 *
 * Crash: each change is a single transaction, so a crash leaves the lease as
 * it was before or after it. A holder that dies stops renewing, and its lease
 * expires by itself; nothing else needs cleaning up.
 */
import type { Database, Queryable, Transaction } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';

export interface LeaseState {
  holder: string | null;
  token: number;
  instance: string | null;
  since: Date | null;
  expiresAt: Date | null;
  /** By the database clock; true when nobody holds it. */
  expired: boolean;
  /** Expired for longer than the grace period asked for (automatic failover). */
  expiredBeyondGrace: boolean;
}

/** What a server process holds after claiming: every fenced write carries it. */
export interface Tenure {
  holder: string;
  token: number;
  instance: string;
}

export type LeaseEvent =
  | 'setup'
  | 'upgrade'
  | 'claim'
  | 'reclaim'
  | 'release'
  | 'promote'
  | 'promote-forced'
  | 'failover';

interface LeaseRow extends Record<string, unknown> {
  holder: string | null;
  token: number;
  instance: string | null;
  since: Date | null;
  expires_at: Date | null;
  expired: boolean;
  expired_beyond_grace: boolean;
}

const SELECT_LEASE = `SELECT holder, token, instance, since, expires_at,
    (holder IS NULL OR expires_at <= clock_timestamp()) AS expired,
    (holder IS NULL OR expires_at + make_interval(secs => $1::float8 / 1000) <= clock_timestamp())
      AS expired_beyond_grace
  FROM workflow_lease WHERE singleton`;

/** The management server designated by the role column (schema 2 groups, before any lease row). */
const DESIGNATED = `SELECT computer_name FROM computers
  WHERE part = 'management-server' AND role = 'workflow' ORDER BY installed_at, computer_name LIMIT 1`;

const fromRow = (r: LeaseRow): LeaseState => ({
  holder: r.holder,
  token: r.token,
  instance: r.instance,
  since: r.since,
  expiresAt: r.expires_at,
  expired: r.expired,
  expiredBeyondGrace: r.expired_beyond_grace,
});

/**
 * The lease as it stands. A group upgraded from schema 2 has no row until a
 * server first uses it: its workflow server is then reported as holder of
 * token 1, not yet claimed (what ensureLeaseRow will write).
 */
export async function readLease(db: Queryable, graceMs = 0): Promise<LeaseState> {
  const r = await db.query<LeaseRow>(SELECT_LEASE, [graceMs]);
  if (r.rows[0]) return fromRow(r.rows[0]);
  const d = await db.query<{ computer_name: string }>(DESIGNATED);
  const holder = d.rows[0]?.computer_name ?? null;
  return {
    holder,
    token: holder ? 1 : 0,
    instance: null,
    since: null,
    expiresAt: null,
    expired: true,
    expiredBeyondGrace: true,
  };
}

/** Setup of a new group: the first management server holds the lease, token 1, not yet claimed. */
export async function initLease(
  tx: Queryable,
  holder: string,
  actor: string,
  leaseMs: number,
): Promise<void> {
  await tx.query(
    `INSERT INTO workflow_lease (holder, token, since, expires_at)
     VALUES ($1, 1, clock_timestamp(), clock_timestamp() + make_interval(secs => $2::float8 / 1000))`,
    [holder, leaseMs],
  );
  await recordEvent(tx, { token: 1, holder, instance: null, event: 'setup', actor });
}

/** Creates the row of a group upgraded from schema 2 (from its role column), once. */
async function ensureLeaseRow(tx: Queryable, actor: string): Promise<void> {
  await tx.query(
    `WITH d AS (SELECT (${DESIGNATED}) AS holder),
     ins AS (
       INSERT INTO workflow_lease (holder, token, since, expires_at)
       SELECT d.holder, CASE WHEN d.holder IS NULL THEN 0 ELSE 1 END, clock_timestamp(), clock_timestamp() FROM d
       ON CONFLICT (singleton) DO NOTHING
       RETURNING holder, token)
     INSERT INTO workflow_lease_history (token, holder, event, actor)
     SELECT token, holder, 'upgrade', $1 FROM ins WHERE holder IS NOT NULL`,
    [actor],
  );
}

/**
 * Runs `fn` in a transaction holding the lease row FOR UPDATE (after every
 * fenced transaction in flight has finished). A lock not granted within
 * `lockTimeoutMs` is LEASE_BUSY. Whatever `fn` throws rolls everything back.
 */
export async function changeLease<T>(
  db: Database,
  o: { actor: string; lockTimeoutMs: number; graceMs?: number },
  fn: (tx: Transaction, current: LeaseState) => Promise<T>,
): Promise<T> {
  try {
    return await db.transaction(async (tx) => {
      await tx.query(`SELECT set_config('lock_timeout', $1, true)`, [String(o.lockTimeoutMs)]);
      await ensureLeaseRow(tx, o.actor);
      const r = await tx.query<LeaseRow>(`${SELECT_LEASE} FOR UPDATE`, [o.graceMs ?? 0]);
      return fn(tx, fromRow(r.rows[0]!));
    });
  } catch (e) {
    throw busy(e, o.lockTimeoutMs);
  }
}

/** lock_not_available (lock_timeout) becomes LEASE_BUSY; anything else passes through. */
function busy(e: unknown, ms: number): unknown {
  return (e as { code?: string }).code === '55P03' ? new SmgrError('LEASE_BUSY', { ms }, { cause: e }) : e;
}

/** SET clause of a new grant; `p` is the placeholder of the lease duration in milliseconds. */
const grant = (p: string) => `since = clock_timestamp(), renewed_at = clock_timestamp(),
  expires_at = clock_timestamp() + make_interval(secs => ${p}::float8 / 1000)`;

/**
 * A server process takes the lease assigned to its own computer: when it is
 * not yet claimed (setup, promote: the token stays), or when the tenure of a
 * previous process of this computer has expired (a restart, a lapse: the
 * token increases). Answers undefined when the lease is not this computer's,
 * or another process holds it live.
 */
export async function claimLease(
  db: Database,
  computerName: string,
  instance: string,
  leaseMs: number,
  lockTimeoutMs: number,
): Promise<Tenure | undefined> {
  return changeLease(db, { actor: computerName, lockTimeoutMs }, async (tx, cur) => {
    if (cur.holder !== computerName) return undefined;
    if (cur.instance === instance && !cur.expired)
      return { holder: computerName, token: cur.token, instance };
    if (cur.instance !== null && !cur.expired) return undefined;
    const bump = cur.instance !== null ? 1 : 0;
    const r = await tx.query<{ token: number }>(
      `UPDATE workflow_lease SET token = token + $1, instance = $2, ${grant('$3')}
        WHERE singleton RETURNING token`,
      [bump, instance, leaseMs],
    );
    const token = r.rows[0]!.token;
    await recordEvent(tx, {
      token,
      holder: computerName,
      instance,
      event: bump ? 'reclaim' : 'claim',
      actor: computerName,
      previous: cur,
    });
    return { holder: computerName, token, instance };
  });
}

/**
 * Automatic failover: another server takes a lease that has been expired for
 * longer than the grace period (or that nobody holds). The token increases.
 */
export async function failoverLease(
  db: Database,
  computerName: string,
  instance: string,
  leaseMs: number,
  graceMs: number,
  lockTimeoutMs: number,
): Promise<Tenure | undefined> {
  return changeLease(db, { actor: computerName, lockTimeoutMs, graceMs }, async (tx, cur) => {
    if (cur.holder === computerName || !cur.expiredBeyondGrace) return undefined;
    const token = await assignHolder(tx, computerName, instance, leaseMs);
    await recordEvent(tx, {
      token,
      holder: computerName,
      instance,
      event: 'failover',
      actor: computerName,
      previous: cur,
    });
    return { holder: computerName, token, instance };
  });
}

/**
 * Makes `holder` the workflow server with the next token, claimed by
 * `instance` (failover) or not yet claimed (promote: instance null), and
 * brings the role column along. The caller holds the row (changeLease).
 */
export async function assignHolder(
  tx: Queryable,
  holder: string,
  instance: string | null,
  leaseMs: number,
): Promise<number> {
  const r = await tx.query<{ token: number }>(
    `UPDATE workflow_lease SET holder = $1, token = token + 1, instance = $2, ${grant('$3')}
      WHERE singleton RETURNING token`,
    [holder, instance, leaseMs],
  );
  await tx.query(
    `UPDATE computers SET role = CASE WHEN computer_name = $1 THEN 'workflow' ELSE 'secondary' END
      WHERE part = 'management-server'
        AND role IS DISTINCT FROM CASE WHEN computer_name = $1 THEN 'workflow' ELSE 'secondary' END`,
    [holder],
  );
  return r.rows[0]!.token;
}

/**
 * Extends a live tenure of the caller's own token. False when the token is
 * no longer current or the tenure has expired (the caller then reads the
 * lease and claims again, with a new token, if it is still its own).
 */
export async function renewLease(
  db: Database,
  t: Tenure,
  leaseMs: number,
  lockTimeoutMs: number,
): Promise<boolean> {
  try {
    return await db.transaction(async (tx) => {
      await tx.query(`SELECT set_config('lock_timeout', $1, true)`, [String(lockTimeoutMs)]);
      const r = await tx.query(
        `UPDATE workflow_lease
            SET renewed_at = clock_timestamp(),
                expires_at = clock_timestamp() + make_interval(secs => $4::float8 / 1000)
          WHERE singleton AND token = $1 AND holder = $2 AND instance = $3 AND expires_at > clock_timestamp()`,
        [t.token, t.holder, t.instance, leaseMs],
      );
      return r.rowCount === 1;
    });
  } catch (e) {
    throw busy(e, lockTimeoutMs);
  }
}

/**
 * A clean stop: the tenure ends now (the holder stays designated, so it
 * takes the lease again, with a new token, when it starts). The caller has
 * stopped every workflow first.
 */
export async function releaseLease(db: Database, t: Tenure, lockTimeoutMs: number): Promise<boolean> {
  return changeLease(db, { actor: t.holder, lockTimeoutMs }, async (tx, cur) => {
    if (cur.token !== t.token || cur.instance !== t.instance || cur.holder !== t.holder) return false;
    await tx.query(
      `UPDATE workflow_lease SET expires_at = least(expires_at, clock_timestamp()) WHERE singleton`,
    );
    await recordEvent(tx, {
      token: t.token,
      holder: t.holder,
      instance: t.instance,
      event: 'release',
      actor: t.holder,
    });
    return true;
  });
}

export async function recordEvent(
  tx: Queryable,
  e: {
    token: number;
    holder: string;
    instance: string | null;
    event: LeaseEvent;
    actor: string;
    previous?: LeaseState;
  },
): Promise<void> {
  await tx.query(
    `INSERT INTO workflow_lease_history
       (token, holder, instance, event, actor, previous_holder, previous_token, previous_expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      e.token,
      e.holder,
      e.instance,
      e.event,
      e.actor,
      e.previous?.holder ?? null,
      e.previous?.token ?? null,
      e.previous?.expiresAt ?? null,
    ],
  );
}
