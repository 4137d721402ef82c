/**
 * Roles and what they may do. A user has one role; a role is a set of
 * permissions; every route of the API names the permissions that open it
 * (access.ts), so what a role may do is read here and nowhere else.
 *
 * The built-in roles follow Service Manager's user roles: an administrator
 * may do everything; an analyst works the queues (every work item, assign,
 * change status, ask for approvals, configuration items); an end user sees
 * and changes only the work items they are the affected user of, comments on
 * them and answers the approvals assigned to them. A role name the registry
 * does not know (a management pack that defined it was removed) has no
 * permissions: access fails closed.
 */

export const PERMISSIONS = [
  /** Read and change the work items one is the affected user of; comment on them. */
  'work-items:own',
  /** Read and change every work item (the queues), set any field, private comments. */
  'work-items:all',
  /** Ask a user to approve a work item. */
  'approvals:request',
  /** List and answer the approvals assigned to oneself. */
  'approvals:answer',
  /** See every approval, whoever it is assigned to. */
  'approvals:all',
  'config-items:read',
  'config-items:write',
  'run-as-accounts',
  'users',
  /** Import and remove management packs (issue 10): administrators only. */
  'management-packs',
  // --- data warehouse (issue 9)
  /** Read the change feed (GET /api/v1/changes). */
  'changes:read',
  /** The registered data warehouse's own record: its key record, its heartbeat. */
  'data-warehouse:self',
  /** Register and unregister the group's data warehouse. */
  'data-warehouse:register',
  // --- end data warehouse
  /** Set up Self-Service Portals: their key records and registrations (issue 12). */
  'portals',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export interface RoleDefinition {
  name: string;
  /** How the role reads in descriptions, e.g. "end user". */
  label: string;
  description: string;
  permissions: readonly Permission[];
}

export const BUILT_IN_ROLES = [
  {
    name: 'administrator',
    label: 'administrator',
    description: 'Everything: users, Run As accounts, configuration items, every work item.',
    permissions: PERMISSIONS,
  },
  {
    name: 'analyst',
    label: 'analyst',
    description: 'The queues: every work item (assign, change status), approvals, configuration items.',
    permissions: [
      'work-items:all',
      'approvals:request',
      'approvals:answer',
      'approvals:all',
      'config-items:read',
      'config-items:write',
    ],
  },
  {
    name: 'end-user',
    label: 'end user',
    description:
      'Their own requests (work items they are the affected user of), comments on them, their approvals.',
    permissions: ['work-items:own', 'approvals:answer'],
  },
  // --- data warehouse (issue 9): the DW's service account, made by smgr dw register
  {
    name: 'data-warehouse',
    label: 'data warehouse',
    description:
      'The data warehouse service account: reads the change feed and its own registration, nothing else.',
    permissions: ['changes:read', 'data-warehouse:self'],
  },
] as const satisfies readonly RoleDefinition[];

export type BuiltInRole = (typeof BUILT_IN_ROLES)[number]['name'];

export const ROLE_NAMES: readonly BuiltInRole[] = BUILT_IN_ROLES.map((r) => r.name);

const byName = new Map<string, RoleDefinition>(BUILT_IN_ROLES.map((r) => [r.name, r]));

export function roleDefinition(name: string): RoleDefinition | undefined {
  return byName.get(name);
}

export function can(role: string, permission: Permission): boolean {
  return roleDefinition(role)?.permissions.includes(permission) ?? false;
}

/** The roles that hold at least one of `permissions`, as words ("administrator, analyst"). */
export function rolesWith(permissions: readonly Permission[]): RoleDefinition[] {
  return BUILT_IN_ROLES.filter((r) =>
    permissions.some((p) => (r.permissions as readonly string[]).includes(p)),
  );
}
