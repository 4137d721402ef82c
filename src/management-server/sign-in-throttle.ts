/**
 * Sign-in rate limiting, per user name and per client address, in the
 * ServiceManager database (so every management server of the group and a
 * restarted one see the same counts).
 *
 * Every password attempt is counted BEFORE the password is checked, in one
 * transaction for both scopes: the attempt that reaches a scope's limit sets
 * its block, so however many attempts arrive at once, at most `limit` of them
 * are checked per window. A blocked scope refuses the attempt without
 * counting it or checking the password (a right password is refused too, or
 * the block would tell an attacker when they guessed it). Each block after a
 * window's first doubles, up to maxBlockS; a scope forgets its failures after
 * windowS without one. A successful attempt forgets the user's count and
 * takes its own attempt back from the address's count.
 *
 * Unknown user names are counted like known ones, so a block tells nothing
 * about which names exist. Crash: a counted attempt whose check never
 * finished stays counted (fails closed); the row decays after windowS, and
 * grooming deletes it a day later (workflows/grooming.ts).
 */
import type { Database, Queryable } from '../db/database.js';

export interface ThrottleRule {
  /** Attempts a scope may fail within the window before it is blocked. */
  limit: number;
  /** A scope forgets its failures after this long without one. */
  windowS: number;
  /** The first block; each further one within the window doubles it. */
  blockS: number;
  maxBlockS: number;
}

export interface SignInLimits {
  user: ThrottleRule;
  address: ThrottleRule;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = {
  user: { limit: 5, windowS: 900, blockS: 60, maxBlockS: 900 },
  address: { limit: 20, windowS: 900, blockS: 60, maxBlockS: 900 },
};

export interface AttemptKeys {
  username: string;
  address: string;
}

export type AttemptOutcome = { counted: true; blockedNow: Array<'user' | 'address'> } | { counted: false };

const NEXT = `CASE WHEN t.last_failure_at < clock_timestamp() - make_interval(secs => $4::float8)
                   THEN 1 ELSE t.failures + 1 END`;
const BLOCK = (failures: string) => `CASE WHEN ${failures} >= $3::int
  THEN clock_timestamp() + make_interval(secs => least($6::float8, $5::float8 * power(2, ${failures} - $3::int)))
  END`;

const COUNT_ATTEMPT = `
INSERT INTO sign_in_throttle AS t (scope, key, failures, last_failure_at, blocked_until)
VALUES ($1, $2, 1, clock_timestamp(), ${BLOCK('1')})
ON CONFLICT (scope, key) DO UPDATE
   SET failures = ${NEXT}, last_failure_at = clock_timestamp(), blocked_until = ${BLOCK(NEXT)}
 WHERE t.blocked_until IS NULL OR t.blocked_until <= clock_timestamp()
RETURNING blocked_until IS NOT NULL AS blocked`;

/** Counts an attempt in both scopes, or none if either is blocked (then nothing changes). */
export async function countAttempt(
  db: Pick<Database, 'transaction'>,
  keys: AttemptKeys,
  limits: SignInLimits,
): Promise<AttemptOutcome> {
  const blocked = Symbol('blocked');
  try {
    return await db.transaction(async (tx) => {
      const blockedNow: Array<'user' | 'address'> = [];
      for (const scope of ['user', 'address'] as const) {
        const rule = limits[scope];
        const r = await tx.query<{ blocked: boolean }>(COUNT_ATTEMPT, [
          scope,
          scope === 'user' ? keys.username : keys.address,
          rule.limit,
          rule.windowS,
          rule.blockS,
          rule.maxBlockS,
        ]);
        if (r.rowCount === 0) throw blocked;
        if (r.rows[0]?.blocked) blockedNow.push(scope);
      }
      return { counted: true as const, blockedNow };
    });
  } catch (e) {
    if (e === blocked) return { counted: false };
    throw e;
  }
}

/** Seconds until neither scope is blocked (at least 1). */
export async function retryAfterSeconds(db: Queryable, keys: AttemptKeys): Promise<number> {
  const r = await db.query<{ s: number | null }>(
    `SELECT ceil(extract(epoch FROM max(blocked_until) - clock_timestamp()))::int AS s
       FROM sign_in_throttle
      WHERE (scope = 'user' AND key = $1) OR (scope = 'address' AND key = $2)`,
    [keys.username, keys.address],
  );
  return Math.max(1, r.rows[0]?.s ?? 1);
}

/** After a right password: the user's count is forgotten, the address gets this attempt back. */
export async function forgetAttempt(db: Queryable, keys: AttemptKeys, limits: SignInLimits): Promise<void> {
  await db.query(`DELETE FROM sign_in_throttle WHERE scope = 'user' AND key = $1`, [keys.username]);
  await db.query(
    `UPDATE sign_in_throttle
        SET failures = greatest(failures - 1, 0),
            blocked_until = CASE WHEN failures - 1 >= $2::int THEN blocked_until END
      WHERE scope = 'address' AND key = $1`,
    [keys.address, limits.address.limit],
  );
}
