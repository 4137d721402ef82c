/**
 * The analyst's queues: the console's standard queues (assigned to me,
 * unassigned, open by priority; for incidents and for service requests)
 * written as management pack views (docs/MANAGEMENT-PACKS.md §2.7), plus
 * every view of the imported packs over a work item class. All run through
 * the packs' view query (view-query.ts: parameterised SQL), read-only, with
 * the column the analyst sorts by put first and a page taken from the
 * answer. Analysts and administrators see every work item, so no scope.
 */
import type { Queryable } from '../../db/database.js';
import type { PackCatalog } from '../../management-packs/pack-catalog.js';
import type { PackView } from '../../management-packs/pack-schema.js';
import { runView } from '../../management-packs/view-query.js';

export const PAGE_SIZE = 25;
/** Pages beyond this are not offered (the view query reads the rows before the page). */
export const MAX_PAGE = 40;

const OPEN = { field: 'status', operator: 'in' as const, value: ['active', 'pending'] };
const COLUMNS = ['displayId', 'title', 'priority', 'status', 'assignedTo', 'affectedUser', 'updatedAt'];

export interface Queue {
  /** "unassigned-incidents", or a pack view's id. */
  id: string;
  name: string;
  /** Where it comes from: the console, or a pack's id. */
  source: string;
  view: PackView;
}

const CLASSES = [
  { name: 'incident', plural: 'incidents', label: 'Incidents' },
  { name: 'service-request', plural: 'requests', label: 'Service requests' },
] as const;

/** The console's standard queues for the signed-in analyst `me`. */
export function standardQueues(me: string): Queue[] {
  return CLASSES.flatMap((c) => [
    {
      id: `my-${c.plural}`,
      name: `${c.label} assigned to me`,
      source: 'console',
      view: {
        id: `my-${c.plural}`,
        name: `${c.label} assigned to me`,
        class: c.name,
        criteria: [{ field: 'assignedTo', operator: 'eq', value: me }, OPEN],
        columns: COLUMNS,
        sort: [{ field: 'priority', direction: 'asc' }],
      },
    },
    {
      id: `unassigned-${c.plural}`,
      name: `Unassigned ${c.plural}`,
      source: 'console',
      view: {
        id: `unassigned-${c.plural}`,
        name: `Unassigned ${c.plural}`,
        class: c.name,
        criteria: [{ field: 'assignedTo', operator: 'is-null' }, OPEN],
        columns: COLUMNS,
        sort: [{ field: 'createdAt', direction: 'asc' }],
      },
    },
    {
      id: `${c.plural}-by-priority`,
      name: `Open ${c.plural} by priority`,
      source: 'console',
      view: {
        id: `${c.plural}-by-priority`,
        name: `Open ${c.plural} by priority`,
        class: c.name,
        criteria: [OPEN],
        columns: COLUMNS,
        sort: [
          { field: 'priority', direction: 'asc' },
          { field: 'createdAt', direction: 'asc' },
        ],
      },
    },
  ]);
}

/** Standard queues, then the work item views of the imported packs. */
export function allQueues(catalog: PackCatalog, me: string): Queue[] {
  const packViews: Queue[] = [];
  for (const p of catalog.packs.values()) {
    for (const v of p.views ?? []) {
      if (catalog.classes.get(v.class)?.kind === 'work-item')
        packViews.push({ id: v.id, name: v.name, source: p.id, view: v });
    }
  }
  return [...standardQueues(me), ...packViews];
}

export interface QueueRequest {
  page: number;
  sort?: { field: string; direction: 'asc' | 'desc' };
}

export interface QueuePage {
  rows: Array<Record<string, unknown>>;
  page: number;
  hasNext: boolean;
  sort?: { field: string; direction: 'asc' | 'desc' };
}

/** One page of a queue; a sort by a field that is not one of its columns is ignored. */
export async function runQueue(
  db: Queryable,
  catalog: PackCatalog,
  queue: Queue,
  r: QueueRequest,
): Promise<QueuePage> {
  const page = Math.min(Math.max(1, Math.floor(r.page) || 1), MAX_PAGE);
  const sort = r.sort && queue.view.columns.includes(r.sort.field) ? r.sort : undefined;
  const view: PackView = sort
    ? { ...queue.view, sort: [sort, ...queue.view.sort.filter((s) => s.field !== sort.field)].slice(0, 5) }
    : queue.view;
  const from = (page - 1) * PAGE_SIZE;
  const rows = await runView(db, view, catalog, {}, from + PAGE_SIZE + 1);
  return { rows: rows.slice(from, from + PAGE_SIZE), page, hasNext: rows.length > from + PAGE_SIZE, sort };
}
