/**
 * What a signed-in user may see and change of work items. Analysts and
 * administrators (work-items:all) see every work item and set every field. An
 * end user (work-items:own) sees only the work items they are the affected
 * user of: any other is answered 404 NOT_FOUND exactly as a missing one
 * (never 403, which would confirm it exists), and lists and counts hold only
 * theirs. On their own items an end user sets the title, description and
 * properties; a work item they create has them as its affected user. Setting
 * any other field is 403 FORBIDDEN naming it (once the item is known to be
 * theirs).
 */
import type { FastifyRequest } from 'fastify';
import type { Queryable } from '../db/database.js';
import { forbidden, userCan } from './access.js';
import { currentUser } from './auth.js';
import { notFound } from './http-errors.js';
import { getWorkItem, parseWorkItemRef, type WorkItem, type WorkItemScope } from './work-item-store.js';

/** The fields an end user may set on their own work items (and class, on creation). */
export const END_USER_FIELDS: ReadonlySet<string> = new Set(['class', 'title', 'description', 'properties']);

export function workItemScope(request: FastifyRequest): WorkItemScope {
  return userCan(request, 'work-items:all') ? {} : { affectedUser: currentUser(request).username };
}

/** What an end user's create may carry anyway: the defaults the schema fills in. */
const CREATE_DEFAULTS: Readonly<Record<string, unknown>> = { status: 'active' };

/** Throws 403 when an end user sets a field that is not theirs to set. */
export function checkEndUserFields(request: FastifyRequest, body: object, creating = false): void {
  if (userCan(request, 'work-items:all')) return;
  const me = currentUser(request).username;
  const allowed = ([k, v]: [string, unknown]) =>
    END_USER_FIELDS.has(k) || (k === 'affectedUser' && v === me) || (creating && CREATE_DEFAULTS[k] === v);
  const denied = Object.entries(body)
    .filter((e) => !allowed(e))
    .map(([k]) => k);
  if (denied.length > 0) throw forbidden(request, `set ${denied.join(', ')} of a work item`);
}

/** The body of a create, with the end user as its affected user. */
export function withOwnAffectedUser<T extends object>(request: FastifyRequest, body: T): T {
  return userCan(request, 'work-items:all') ? body : { ...body, affectedUser: currentUser(request).username };
}

/** The work item named by the route's `:id`, if the user may see it; otherwise 404 as for a missing one. */
export async function visibleWorkItem(
  db: Queryable,
  request: FastifyRequest,
  forUpdate = false,
): Promise<WorkItem> {
  const id = (request.params as { id: string }).id;
  const wi = await getWorkItem(db, parseWorkItemRef(id), workItemScope(request), forUpdate);
  if (!wi) throw notFound(request, id);
  return wi;
}
