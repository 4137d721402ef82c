/**
 * The user accounts of a management group, as the API and the CLI (smgr
 * user add / password) change them. Every change is one transaction with its
 * audit row; passwords are hashed with scrypt (keys/password-hash.ts) before
 * the transaction and never logged or audited.
 *
 * Guarantees: a new password or disabling a user revokes every token of that
 * user in the same transaction (but the one a user changing their own
 * password signed in with), so a stolen token stops working; the group
 * always keeps at least one enabled administrator (the last one cannot be
 * disabled or given another role).
 */

import { audit } from '../audit/audit.js';
import type { Database, Queryable } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { hashPassword } from '../keys/password-hash.js';
import { MIN_PASSWORD_LENGTH, validatePassword, validateUsername } from '../schema/validate-names.js';
import { ROLE_NAMES, roleDefinition } from './roles.js';
import { revokeUserTokens } from './session-store.js';
import { getUser, insertUser, lockEnabledAdministrators, type User, updateUser } from './user-store.js';

export { MIN_PASSWORD_LENGTH };
export const USERS_PATH = '/api/v1/users';

export interface NewUser {
  username: string;
  role: string;
  password: string;
  displayName?: string | null;
}

export function checkRole(role: string): void {
  if (!roleDefinition(role)) throw new SmgrError('UNKNOWN_ROLE', { role, roles: ROLE_NAMES.join(', ') });
}

export const userNotFound = (username: string): SmgrError =>
  new SmgrError('NOT_FOUND', { kind: 'user', id: username, path: USERS_PATH });

export async function addUser(db: Database, u: NewUser, actor: string): Promise<User> {
  validateUsername(u.username);
  checkRole(u.role);
  validatePassword(u.password);
  const passwordHash = await hashPassword(u.password);
  return db.transaction(async (tx) => {
    const user = await insertUser(tx, { ...u, passwordHash });
    await audit(tx, actor, 'user.created', user.username, { id: user.id, role: user.role });
    return user;
  });
}

/**
 * Sets a user's password and revokes their tokens (all of them, or all but
 * `keepToken`). The caller decides who may (routes/users.ts: the user with
 * their current password, or an administrator).
 */
export async function setPassword(
  db: Database,
  username: string,
  password: string,
  actor: string,
  keepToken?: Buffer,
): Promise<{ user: User; revokedTokens: number }> {
  validatePassword(password);
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    const user = await updateUser(tx, username, { passwordHash });
    if (!user) throw userNotFound(username);
    const revokedTokens = await revokeUserTokens(tx, user.id, keepToken);
    await audit(tx, actor, 'user.password-changed', user.username, { id: user.id, revokedTokens });
    return { user, revokedTokens };
  });
}

export interface UserUpdate {
  role?: string;
  displayName?: string | null;
  disabled?: boolean;
}

/** Changes role, display name or disabled state; disabling revokes every token of the user. */
export async function updateUserAccount(
  db: Database,
  username: string,
  changes: UserUpdate,
  actor: string,
): Promise<User> {
  if (changes.role !== undefined) checkRole(changes.role);
  return db.transaction(async (tx) => {
    const before = await getUser(tx, username, true);
    if (!before) throw userNotFound(username);
    const losesAdmin =
      before.role === 'administrator' &&
      !before.disabled &&
      ((changes.role !== undefined && changes.role !== 'administrator') || changes.disabled === true);
    if (losesAdmin) await keepAnAdministrator(tx, username);
    const user = (await updateUser(tx, username, changes))!;
    const revokedTokens = changes.disabled && !before.disabled ? await revokeUserTokens(tx, user.id) : 0;
    await audit(tx, actor, 'user.updated', user.username, {
      id: user.id,
      fields: Object.keys(changes),
      ...(changes.role !== undefined ? { role: user.role, previousRole: before.role } : {}),
      ...(changes.disabled !== undefined ? { disabled: user.disabled } : {}),
      ...(revokedTokens ? { revokedTokens } : {}),
    });
    return user;
  });
}

async function keepAnAdministrator(tx: Queryable, username: string): Promise<void> {
  const admins = await lockEnabledAdministrators(tx);
  if (admins.every((a) => a === username)) throw new SmgrError('LAST_ADMINISTRATOR', { username });
}
