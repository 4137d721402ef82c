/**
 * Who may call which route. Every route under /api/v1 declares its access in
 * `config.access`: public (no token), any signed-in user, or the permissions
 * (roles.ts) of which the user's role must hold one. A route that declares
 * none makes buildApp throw, so no route is open by omission.
 *
 * The check runs on onRequest right after authentication, before the body is
 * read: a role without the permission gets 403 FORBIDDEN naming the action,
 * whatever the path names (so a 403 tells nothing about which ids exist).
 * Finer rules (an end user sees only their own work items: the same 404 as
 * for a missing one) are the routes' own, through work-item-access.ts.
 *
 * The OpenAPI document gets the same facts: each route's security
 * requirement and a "Roles:" line in its description come from here.
 */
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler, RouteOptions } from 'fastify';
import { SmgrError } from '../errors/smgr-error.js';
import { bearerSecurity, currentUser } from './auth.js';
import { can, type Permission, roleDefinition, rolesWith } from './roles.js';

export type Access =
  | { kind: 'public' }
  | { kind: 'signed-in'; note?: string }
  | { kind: 'permission'; permissions: readonly Permission[]; action: string; note?: string };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
}

export const publicAccess: Access = { kind: 'public' };

/** Any signed-in user; `note` says what the route itself narrows down. */
export const signedIn = (note?: string): Access => ({ kind: 'signed-in', note });

/** A role holding one of `permissions`; `action` completes "Your role (...) may not ...". */
export const requires = (permissions: readonly Permission[], action: string, note?: string): Access => ({
  kind: 'permission',
  permissions,
  action,
  note,
});

function rolesLine(access: Access): string | undefined {
  if (access.kind === 'public') return undefined;
  const roles =
    access.kind === 'signed-in'
      ? 'every signed-in user'
      : rolesWith(access.permissions)
          .map((r) => r.label)
          .join(', ');
  return `Roles: ${roles}.${access.note ? ` ${access.note}` : ''}`;
}

/** Refuses, at build time, a route under `prefix` without access; documents the others. */
export function installAccessDeclarations(app: FastifyInstance, prefix: string): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.url.startsWith(prefix)) return;
    const access = route.config?.access;
    if (!access) throw new Error(`route ${String(route.method)} ${route.url} declares no access`);
    const line = rolesLine(access);
    if (!line) return;
    const schema = (route.schema ?? {}) as Record<string, unknown>;
    const description = [schema.description, line].filter((d) => typeof d === 'string').join('\n\n');
    route.schema = { ...schema, security: bearerSecurity, description };
  });
}

/** The onRequest hook after authentication: 403 unless the role holds one of the route's permissions. */
export const authorize: onRequestAsyncHookHandler = async (request) => {
  const access = request.routeOptions.config.access;
  if (!access || access.kind === 'public') throw new SmgrError('INTERNAL');
  if (access.kind === 'signed-in') return;
  const user = currentUser(request);
  if (!access.permissions.some((p) => can(user.role, p))) throw forbidden(request, access.action);
};

/** 403 FORBIDDEN: "Your role (end user) may not <action>". */
export function forbidden(request: FastifyRequest, action: string): SmgrError {
  const role = currentUser(request).role;
  return new SmgrError('FORBIDDEN', {
    detail: `Your role (${roleDefinition(role)?.label ?? role}) may not ${action}`,
  });
}

export function userCan(request: FastifyRequest, permission: Permission): boolean {
  return can(currentUser(request).role, permission);
}
