/**
 * The roles the administrator pages offer and describe (issue 14 item 2),
 * from the management server's context (roles.ts, handed over by buildApp:
 * the console may not import src/management-server/ at run time). Users
 * themselves are read and changed through the API (/api/v1/users), whose
 * rules apply: names and passwords validated, passwords hashed and never
 * shown or audited, the last enabled administrator kept, a disabled user's
 * tokens revoked.
 */
import type { RoleDefinition } from '../../management-server/roles.js';

/** The roles a user may be given from the console (the data warehouse's service account is made by smgr dw register). */
export function assignableRoles(roles: readonly RoleDefinition[]): RoleDefinition[] {
  return roles.filter((r) => r.name !== 'data-warehouse');
}
