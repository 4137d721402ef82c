/**
 * Sign-in to the DW server (its own users, in DWStagingAndConfig): a user
 * name and password for a bearer token, as on the management server. A
 * token is 32 random bytes shown once; the database keeps its SHA-256 and
 * an expiry (12 h), so a leaked database or archive holds no usable token.
 *
 * Every attempt is rate-limited per user name and per address before the
 * password is checked (the management server's sign-in-throttle.ts on the
 * DW's own `sign_in_throttle` table); an unknown user and a wrong password
 * take the same path (one scrypt verification, against a dummy hash for an
 * unknown name) and get the same UNAUTHORIZED. Failures and sign-ins are
 * audited in the DW's audit log with the address, never the password.
 * Crash: a counted attempt whose check never finished stays counted (fails
 * closed); a token row is written by one statement.
 */
import { randomBytes } from 'node:crypto';
import { audit } from '../audit/audit.js';
import type { Database, Queryable } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { hashPassword, verifyPassword } from '../keys/password-hash.js';
import { RetryLaterError } from '../management-server/retry-later-error.js';
import { hashToken, newToken, TOKEN_PATTERN, TOKEN_TTL_HOURS } from '../management-server/session-store.js';
import {
  countAttempt,
  DEFAULT_SIGN_IN_LIMITS,
  forgetAttempt,
  retryAfterSeconds,
  type SignInLimits,
} from '../management-server/sign-in-throttle.js';

/** The DW roles that may read reports (setup creates an `administrator`). */
export const REPORT_ROLES: readonly string[] = ['administrator', 'analyst'];

export interface DwUser {
  id: number;
  username: string;
  role: string;
}

export interface DwSession {
  token: string;
  expiresAt: string;
}

let dummyHash: Promise<string> | undefined;
const getDummyHash = (): Promise<string> => {
  dummyHash ??= hashPassword(randomBytes(24).toString('base64url'));
  return dummyHash;
};

export async function signInToDw(
  db: Database,
  keys: { username: string; address: string },
  password: string,
  limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS,
): Promise<{ user: DwUser; session: DwSession }> {
  const attempt = await countAttempt(db, keys, limits);
  if (!attempt.counted) throw new RetryLaterError(await retryAfterSeconds(db, keys));
  const r = await db.query<{ id: string; username: string; role: string; password_hash: string }>(
    'SELECT id::text AS id, username, role, password_hash FROM users WHERE username = $1',
    [keys.username],
  );
  const found = r.rows[0];
  const ok = await verifyPassword(password, found?.password_hash ?? (await getDummyHash()));
  if (!found || !ok) {
    await audit(db, 'anonymous', 'session.sign-in-failed', keys.username, {
      address: keys.address,
      reason: found ? 'wrong-password' : 'unknown-user',
    });
    for (const scope of attempt.blockedNow)
      await audit(db, 'anonymous', 'session.sign-in-blocked', keys.username, {
        address: keys.address,
        scope,
      });
    throw new SmgrError('UNAUTHORIZED');
  }
  await forgetAttempt(db, keys, limits);
  const token = newToken();
  const created = await db.transaction(async (tx) => {
    await tx.query('DELETE FROM api_tokens WHERE expires_at < now()');
    const t = await tx.query<{ expires_at: Date }>(
      `INSERT INTO api_tokens (token_hash, user_id, expires_at)
       VALUES ($1, $2::bigint, now() + make_interval(hours => $3::int)) RETURNING expires_at`,
      [hashToken(token), found.id, TOKEN_TTL_HOURS],
    );
    await audit(tx, found.username, 'session.signed-in', found.username, { address: keys.address });
    return t.rows[0]!.expires_at;
  });
  return {
    user: { id: Number(found.id), username: found.username, role: found.role },
    session: { token, expiresAt: created.toISOString() },
  };
}

/** The user of a token that exists and has not expired. */
export async function findDwTokenUser(db: Queryable, token: string): Promise<DwUser | undefined> {
  if (!TOKEN_PATTERN.test(token)) return undefined;
  const r = await db.query<{ id: string; username: string; role: string }>(
    `SELECT u.id::text AS id, u.username, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id
      WHERE t.token_hash = $1 AND t.expires_at > now()`,
    [hashToken(token)],
  );
  const row = r.rows[0];
  return row ? { id: Number(row.id), username: row.username, role: row.role } : undefined;
}

/** Sign-out: the token stops working at once. */
export async function revokeDwToken(db: Queryable, token: string, actor: string): Promise<void> {
  await db.query('DELETE FROM api_tokens WHERE token_hash = $1', [hashToken(token)]);
  await audit(db, actor, 'session.signed-out', actor);
}

/** The bearer token of an Authorization header, if it has one. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer ([A-Za-z0-9_-]+)$/.exec(header ?? '');
  return m?.[1];
}

/** The signed-in DW user allowed to read reports, or UNAUTHORIZED / FORBIDDEN. */
export async function requireReportReader(db: Queryable, token: string | undefined): Promise<DwUser> {
  const user = token ? await findDwTokenUser(db, token) : undefined;
  if (!user) throw new SmgrError('UNAUTHORIZED');
  if (!REPORT_ROLES.includes(user.role))
    throw new SmgrError('FORBIDDEN', { detail: `The role ${user.role} may not read the DW's reports` });
  return user;
}
