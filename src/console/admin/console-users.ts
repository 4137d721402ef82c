/**
 * Users and roles as the administrator pages show and change them (issue 14
 * item 2). The rules are the API's (src/management-server/users.ts): names
 * and passwords validated, passwords hashed before the transaction and never
 * shown or audited, the last enabled administrator kept, a disabled user's
 * tokens revoked. Pages of users by name (keyset).
 */
import type { Queryable } from '../../db/database.js';
import { BUILT_IN_ROLES, type RoleDefinition } from '../../management-server/roles.js';
import { listUsers, type User } from '../../management-server/user-store.js';

export const USERS_PAGE_SIZE = 50;

export interface UsersPage {
  users: User[];
  /** The user name to continue after, when there are more. */
  next: string | null;
}

export async function usersPage(db: Queryable, after?: string, size = USERS_PAGE_SIZE): Promise<UsersPage> {
  const rows = await listUsers(db, { afterUsername: after, limit: size + 1 });
  const users = rows.slice(0, size);
  return { users, next: rows.length > size ? users.at(-1)!.username : null };
}

/** The roles a user may be given from the console (the data warehouse's service account is made by smgr dw register). */
export function assignableRoles(): RoleDefinition[] {
  return BUILT_IN_ROLES.filter((r) => r.name !== 'data-warehouse');
}

export function allRoles(): readonly RoleDefinition[] {
  return BUILT_IN_ROLES;
}
