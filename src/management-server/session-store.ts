/**
 * API tokens. A token is 32 random bytes (base64url), shown to the client
 * once; the database keeps only its SHA-256, so a leaked database or backup
 * holds no usable token. A token expires 12 hours after sign-in, and is
 * revoked (its row deleted) by sign-out, by a change of its user's password
 * and by disabling its user. A token of a disabled user opens nothing even
 * before it is revoked. Grooming deletes expired tokens
 * (workflows/grooming.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/database.js';

export const TOKEN_TTL_HOURS = 12;
/** 32 bytes in base64url, without padding. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** The signed-in user of a request. */
export interface AuthUser {
  id: number;
  username: string;
  role: string;
  /** The hash of the token the request carried (sign-out revokes it). */
  tokenHash: Buffer;
  expiresAt: string;
}

export interface Session {
  token: string;
  expiresAt: string;
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export async function createSession(db: Queryable, userId: number): Promise<Session> {
  const token = newToken();
  const r = await db.query<{ expires_at: Date }>(
    `INSERT INTO api_tokens (token_hash, user_id, expires_at)
     VALUES ($1, $2, now() + make_interval(hours => $3::int))
     RETURNING expires_at`,
    [hashToken(token), userId, TOKEN_TTL_HOURS],
  );
  return { token, expiresAt: r.rows[0]!.expires_at.toISOString() };
}

/** The user a token belongs to, if the token exists, has not expired and its user is enabled. */
export async function findTokenUser(db: Queryable, token: string): Promise<AuthUser | undefined> {
  const tokenHash = hashToken(token);
  const r = await db.query<{ id: number; username: string; role: string; expires_at: Date }>(
    `SELECT u.id, u.username, u.role, t.expires_at
       FROM api_tokens t JOIN users u ON u.id = t.user_id
      WHERE t.token_hash = $1 AND t.expires_at > now() AND u.disabled_at IS NULL`,
    [tokenHash],
  );
  const row = r.rows[0];
  return row
    ? {
        id: row.id,
        username: row.username,
        role: row.role,
        tokenHash,
        expiresAt: row.expires_at.toISOString(),
      }
    : undefined;
}

/** Sign-out: the token stops working at once. */
export async function revokeToken(db: Queryable, tokenHash: Buffer): Promise<void> {
  await db.query('DELETE FROM api_tokens WHERE token_hash = $1', [tokenHash]);
}

/** Revokes every token of a user (but `keep`, the one a user changing their own password signed in with). */
export async function revokeUserTokens(db: Queryable, userId: number, keep?: Buffer): Promise<number> {
  const r = await db.query(
    'DELETE FROM api_tokens WHERE user_id = $1 AND ($2::bytea IS NULL OR token_hash <> $2::bytea)',
    [userId, keep ?? null],
  );
  return r.rowCount;
}
