/**
 * Work items (incidents and service requests) in the ServiceManager
 * database. Parameterised SQL only. The display id (IR<id> / SR<id>) is made
 * in the same INSERT from the id it takes from the identity sequence, so the
 * two never disagree. updateWorkItem reads the row FOR UPDATE, so call it
 * inside a transaction. Lists are keyset-paginated by id.
 *
 * A work item is named by its numeric id or its display id (WorkItemRef);
 * reads and updates take a scope: with `affectedUser`, a work item of anyone
 * else is answered exactly like a missing one (undefined), so the caller's
 * 404 cannot tell them apart.
 */
import type { Queryable } from '../db/database.js';
import { builtInClasses, builtInListValues } from '../management-packs/built-in-vocabulary.js';
import type { Properties } from './json-properties.js';

/** The classes and statuses smgr's code handles; their values come from the built-in pack smgr.workitems. */
export type WorkItemClass = 'incident' | 'service-request';
export type WorkItemStatus = 'active' | 'pending' | 'resolved' | 'closed';
export const WORK_ITEM_CLASSES = builtInClasses('work-item').map((c) => c.name) as readonly WorkItemClass[];
export const WORK_ITEM_STATUSES = builtInListValues('smgr.workitems.status') as readonly WorkItemStatus[];
/** Priorities: the values of the built-in list smgr.workitems.priority (1, highest, to 4). */
export const WORK_ITEM_PRIORITIES = builtInListValues('smgr.workitems.priority') as readonly number[];

const DISPLAY_PREFIX = Object.fromEntries(
  builtInClasses('work-item').map((c) => [c.name, c.displayPrefix ?? c.name.toUpperCase()]),
) as Record<WorkItemClass, string>;

export interface WorkItem {
  id: number;
  displayId: string;
  class: WorkItemClass;
  title: string;
  description: string | null;
  priority: number | null;
  status: WorkItemStatus;
  assignedTo: string | null;
  affectedUser: string | null;
  properties: Properties;
  createdAt: string;
  updatedAt: string;
}

/** The fields a client may set; class only on creation. */
export interface WorkItemFields {
  title: string;
  description: string | null;
  priority: number | null;
  status: WorkItemStatus;
  assignedTo: string | null;
  affectedUser: string | null;
  properties: Properties;
}

/** A work item named by id (42) or display id (IR42). */
export type WorkItemRef = { id: number } | { displayId: string };

/** What a caller may see: every work item, or those of one affected user. */
export interface WorkItemScope {
  affectedUser?: string;
}

/** Numeric ids and display ids (a class prefix and the id, any case) as a path parameter accepts them. */
export const WORK_ITEM_REF_PATTERN = '^(?:[1-9][0-9]{0,14}|[A-Za-z]{1,8}[1-9][0-9]{0,14})$';

export function parseWorkItemRef(text: string): WorkItemRef {
  return /^[0-9]+$/.test(text) ? { id: Number(text) } : { displayId: text.toUpperCase() };
}

/** `WHERE` for a ref and a scope, with its parameters numbered from $first. */
function whereRef(ref: WorkItemRef, scope: WorkItemScope, first: number): { sql: string; params: unknown[] } {
  const [a, b, c] = [first, first + 1, first + 2];
  return {
    sql: `(id = $${a}::bigint OR display_id = $${b}::text) AND ($${c}::text IS NULL OR affected_user = $${c}::text)`,
    params: [
      'id' in ref ? ref.id : null,
      'displayId' in ref ? ref.displayId : null,
      scope.affectedUser ?? null,
    ],
  };
}

export type NewWorkItem = { class: WorkItemClass; title: string } & Partial<Omit<WorkItemFields, 'title'>>;
export type WorkItemChanges = Partial<WorkItemFields>;

interface WorkItemRow extends Record<string, unknown> {
  id: number;
  display_id: string;
  class: WorkItemClass;
  title: string;
  description: string | null;
  priority: number | null;
  status: WorkItemStatus;
  assigned_to: string | null;
  affected_user: string | null;
  properties: Properties;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS =
  'id, display_id, class, title, description, priority, status, assigned_to, affected_user, properties, created_at, updated_at';

const fromRow = (r: WorkItemRow): WorkItem => ({
  id: r.id,
  displayId: r.display_id,
  class: r.class,
  title: r.title,
  description: r.description,
  priority: r.priority,
  status: r.status,
  assignedTo: r.assigned_to,
  affectedUser: r.affected_user,
  properties: r.properties,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export async function insertWorkItem(db: Queryable, item: NewWorkItem): Promise<WorkItem> {
  const r = await db.query<WorkItemRow>(
    `WITH next AS (SELECT nextval(pg_get_serial_sequence('work_items', 'id')) AS id)
     INSERT INTO work_items
       (id, class, display_id, title, description, priority, status, assigned_to, affected_user, properties)
     SELECT next.id, $1::text, $2::text || next.id::text, $3::text, $4::text, $5::int, $6::text, $7::text, $8::text,
            $9::jsonb
       FROM next
     RETURNING ${COLUMNS}`,
    [
      item.class,
      DISPLAY_PREFIX[item.class],
      item.title,
      item.description ?? null,
      item.priority ?? null,
      item.status ?? 'active',
      item.assignedTo ?? null,
      item.affectedUser ?? null,
      JSON.stringify(item.properties ?? {}),
    ],
  );
  return fromRow(r.rows[0]!);
}

export async function getWorkItem(
  db: Queryable,
  ref: WorkItemRef,
  scope: WorkItemScope = {},
  forUpdate = false,
): Promise<WorkItem | undefined> {
  const w = whereRef(ref, scope, 1);
  const r = await db.query<WorkItemRow>(
    `SELECT ${COLUMNS} FROM work_items WHERE ${w.sql}${forUpdate ? ' FOR UPDATE' : ''}`,
    w.params,
  );
  return r.rows[0] ? fromRow(r.rows[0]) : undefined;
}

/** Applies the given fields (the others keep their values) and bumps updatedAt. */
export async function updateWorkItem(
  tx: Queryable,
  ref: WorkItemRef,
  changes: WorkItemChanges,
  scope: WorkItemScope = {},
  /** Issue 10: the properties to store when `changes.properties` replaces the old ones (class extensions). */
  replaceProperties?: (given: Properties, old: WorkItem) => Properties,
): Promise<WorkItem | undefined> {
  const old = await getWorkItem(tx, ref, scope, true);
  if (!old) return undefined;
  const next: WorkItemFields = {
    title: changes.title ?? old.title,
    description: changes.description !== undefined ? changes.description : old.description,
    priority: changes.priority !== undefined ? changes.priority : old.priority,
    status: changes.status ?? old.status,
    assignedTo: changes.assignedTo !== undefined ? changes.assignedTo : old.assignedTo,
    affectedUser: changes.affectedUser !== undefined ? changes.affectedUser : old.affectedUser,
    properties: changes.properties
      ? (replaceProperties?.(changes.properties, old) ?? changes.properties)
      : old.properties,
  };
  const r = await tx.query<WorkItemRow>(
    `UPDATE work_items
        SET title = $2, description = $3, priority = $4, status = $5, assigned_to = $6, affected_user = $7,
            properties = $8::jsonb, updated_at = greatest(now(), updated_at + interval '1 millisecond')
      WHERE id = $1
      RETURNING ${COLUMNS}`,
    [
      old.id,
      next.title,
      next.description,
      next.priority,
      next.status,
      next.assignedTo,
      next.affectedUser,
      JSON.stringify(next.properties),
    ],
  );
  return fromRow(r.rows[0]!);
}

/** Bumps updatedAt (a comment or an approval step changed the work item's record); answers the item. */
export async function touchWorkItem(tx: Queryable, id: number): Promise<WorkItem> {
  const r = await tx.query<WorkItemRow>(
    `UPDATE work_items SET updated_at = greatest(now(), updated_at + interval '1 millisecond')
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [id],
  );
  return fromRow(r.rows[0]!);
}

export interface WorkItemFilter {
  class?: WorkItemClass;
  status?: WorkItemStatus;
  /** Only the work items of this affected user. */
  affectedUser?: string;
  /** Only ids above this one (keyset pagination); 0 for the first page. */
  afterId: number;
  /** Rows to read (the caller asks for one more than its page size). */
  limit: number;
  /** Newest first (the portal's My Requests): ids below afterId, or all when it is 0. */
  newestFirst?: boolean;
}

export async function listWorkItems(db: Queryable, f: WorkItemFilter): Promise<WorkItem[]> {
  const r = await db.query<WorkItemRow>(
    `SELECT ${COLUMNS} FROM work_items
      WHERE ($1::text IS NULL OR class = $1::text)
        AND ($2::text IS NULL OR status = $2::text)
        AND ${f.newestFirst ? '($3::bigint = 0 OR id < $3::bigint)' : 'id > $3::bigint'}
        AND ($5::text IS NULL OR affected_user = $5::text)
      ORDER BY id ${f.newestFirst ? 'DESC' : ''}
      LIMIT $4::int`,
    [f.class ?? null, f.status ?? null, f.afterId, f.limit, f.affectedUser ?? null],
  );
  return r.rows.map(fromRow);
}
