/**
 * Users in the ServiceManager database. Parameterised SQL only. Answers
 * never carry the password hash; the hash is read by loginUser alone, for
 * sign-in and password checks. A user is never deleted (audit rows, work
 * items and approvals name them): disabling keeps the row and ends sign-in.
 * Lists are keyset-paginated by user name (unique), in byte order (the same
 * order on both engines, whatever the server's collation).
 */
import { type Static, Type } from 'typebox';
import type { Queryable } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { Nullable } from './nullable.js';
import { isUniqueViolation } from './pg-errors.js';

/** The user name rule of setup (management-group/validate.ts), as a pattern. */
export const USERNAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$';

/** Shared schema User; build-app.ts adds it to the root instance. */
export const UserSchema = Type.Object(
  {
    id: Type.Integer(),
    username: Type.String(),
    role: Type.String({ description: 'administrator, analyst or end-user.' }),
    displayName: Nullable(Type.String()),
    disabled: Type.Boolean({ description: 'A disabled user cannot sign in; their tokens were revoked.' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    passwordChangedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'User', additionalProperties: false },
);

export type User = Static<typeof UserSchema>;

/** A reference to the shared schema, typed. */
export const UserRef = Type.Unsafe<User>({ $ref: 'User#' });

export interface NewUserRow {
  username: string;
  role: string;
  passwordHash: string;
  displayName?: string | null;
}

interface UserRow extends Record<string, unknown> {
  id: number;
  username: string;
  role: string;
  display_name: string | null;
  disabled_at: Date | null;
  created_at: Date;
  updated_at: Date;
  password_changed_at: Date;
}

/** Every column but password_hash. */
const COLUMNS = 'id, username, role, display_name, disabled_at, created_at, updated_at, password_changed_at';

const fromRow = (r: UserRow): User => ({
  id: r.id,
  username: r.username,
  role: r.role,
  displayName: r.display_name,
  disabled: r.disabled_at !== null,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
  passwordChangedAt: r.password_changed_at.toISOString(),
});

export async function insertUser(db: Queryable, u: NewUserRow): Promise<User> {
  try {
    const r = await db.query<UserRow>(
      `INSERT INTO users (username, role, password_hash, display_name) VALUES ($1, $2, $3, $4)
       RETURNING ${COLUMNS}`,
      [u.username, u.role, u.passwordHash, u.displayName ?? null],
    );
    return fromRow(r.rows[0]!);
  } catch (e) {
    if (isUniqueViolation(e)) {
      throw new SmgrError(
        'CONFLICT',
        { detail: `A user named "${u.username}" already exists` },
        { cause: e },
      );
    }
    throw e;
  }
}

export async function getUser(db: Queryable, username: string, forUpdate = false): Promise<User | undefined> {
  const r = await db.query<UserRow>(
    `SELECT ${COLUMNS} FROM users WHERE username = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [username],
  );
  return r.rows[0] ? fromRow(r.rows[0]) : undefined;
}

/** What sign-in needs: the user (enabled or not) and the password hash. */
export async function loginUser(
  db: Queryable,
  username: string,
): Promise<{ user: User; passwordHash: string } | undefined> {
  const r = await db.query<UserRow & { password_hash: string }>(
    `SELECT ${COLUMNS}, password_hash FROM users WHERE username = $1`,
    [username],
  );
  const row = r.rows[0];
  return row ? { user: fromRow(row), passwordHash: row.password_hash } : undefined;
}

export interface UserChanges {
  role?: string;
  displayName?: string | null;
  disabled?: boolean;
  passwordHash?: string;
}

/** Applies the given changes (the others keep their values) and bumps updatedAt. */
export async function updateUser(db: Queryable, username: string, c: UserChanges): Promise<User | undefined> {
  const r = await db.query<UserRow>(
    `UPDATE users
        SET role = coalesce($2, role),
            display_name = CASE WHEN $3::boolean THEN $4 ELSE display_name END,
            disabled_at = CASE WHEN $5::boolean IS NULL THEN disabled_at
                               WHEN $5::boolean THEN coalesce(disabled_at, now())
                               ELSE NULL END,
            password_hash = coalesce($6, password_hash),
            password_changed_at = CASE WHEN $6::text IS NULL THEN password_changed_at ELSE now() END,
            updated_at = greatest(now(), updated_at + interval '1 millisecond')
      WHERE username = $1
      RETURNING ${COLUMNS}`,
    [
      username,
      c.role ?? null,
      c.displayName !== undefined,
      c.displayName ?? null,
      c.disabled ?? null,
      c.passwordHash ?? null,
    ],
  );
  return r.rows[0] ? fromRow(r.rows[0]) : undefined;
}

/** Locks every enabled administrator's row and counts them (for the last-administrator rule). */
export async function lockEnabledAdministrators(tx: Queryable): Promise<string[]> {
  const r = await tx.query<{ username: string }>(
    `SELECT username FROM users WHERE role = 'administrator' AND disabled_at IS NULL ORDER BY id FOR UPDATE`,
  );
  return r.rows.map((x) => x.username);
}

export interface UserFilter {
  role?: string;
  disabled?: boolean;
  /** Only names after this one (keyset pagination); undefined for the first page. */
  afterUsername?: string;
  /** Rows to read (the caller asks for one more than its page size). */
  limit: number;
}

export async function listUsers(db: Queryable, f: UserFilter): Promise<User[]> {
  const r = await db.query<UserRow>(
    `SELECT ${COLUMNS} FROM users
      WHERE ($1::text IS NULL OR role = $1::text)
        AND ($2::boolean IS NULL OR (disabled_at IS NOT NULL) = $2::boolean)
        AND ($3::text IS NULL OR username COLLATE "C" > $3::text)
      ORDER BY username COLLATE "C"
      LIMIT $4::int`,
    [f.role ?? null, f.disabled ?? null, f.afterUsername ?? null, f.limit],
  );
  return r.rows.map(fromRow);
}
