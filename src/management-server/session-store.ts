/**
 * Users and API tokens. A token is 32 random bytes (base64url), shown to the
 * client once; the database keeps only its SHA-256, so a leaked database or
 * backup holds no usable token. A token expires 12 hours after sign-in.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/database.js';

export const TOKEN_TTL_HOURS = 12;
/** 32 bytes in base64url, without padding. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface AuthUser {
  id: number;
  username: string;
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

export async function findLoginUser(
  db: Queryable,
  username: string,
): Promise<(AuthUser & { passwordHash: string }) | undefined> {
  const r = await db.query<{ id: number; username: string; password_hash: string }>(
    'SELECT id, username, password_hash FROM users WHERE username = $1',
    [username],
  );
  const row = r.rows[0];
  return row ? { id: row.id, username: row.username, passwordHash: row.password_hash } : undefined;
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

/** The user a token belongs to, if the token exists and has not expired. */
export async function findTokenUser(db: Queryable, token: string): Promise<AuthUser | undefined> {
  const r = await db.query<{ id: number; username: string }>(
    `SELECT u.id, u.username
       FROM api_tokens t JOIN users u ON u.id = t.user_id
      WHERE t.token_hash = $1 AND t.expires_at > now()`,
    [hashToken(token)],
  );
  return r.rows[0];
}
