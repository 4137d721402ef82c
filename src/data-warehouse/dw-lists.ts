/**
 * The lists (enumerations) the DW knows: what MPSync stored in
 * DWStagingAndConfig (dw_lists, dw_list_items; hidden items included, since
 * old values still name them), and smgr's built-in packs for a built-in
 * list not synced yet (a DW that never ran MPSync still resolves statuses
 * and priorities). Flattening a pack's enumerations is shared with MPSync.
 */
import type { Queryable } from '../db/database.js';
import { builtInPacks } from '../management-packs/built-in-packs.js';
import type { EnumerationItem, Pack } from '../management-packs/pack-schema.js';

export interface ListItemRow {
  itemId: string;
  listId: string;
  parentId: string | null;
  name: string;
  value: string | number | null;
  ordinal: number;
  depth: number;
  hidden: boolean;
}

export interface ListRow {
  listId: string;
  packId: string;
  name: string;
  hidden: boolean;
}

export const STATUS_LIST = 'smgr.workitems.status';
export const PRIORITY_LIST = 'smgr.workitems.priority';
/** Statuses that are not open: a work item in one of them is resolved. */
export const NOT_OPEN_STATUSES: readonly string[] = ['resolved', 'closed'];

/** Every list of `pack` with its items depth-first (ordinal = that order). */
export function flattenPackLists(pack: Pack, hidden = false): { lists: ListRow[]; items: ListItemRow[] } {
  const lists: ListRow[] = [];
  const items: ListItemRow[] = [];
  for (const e of pack.enumerations ?? []) {
    lists.push({ listId: e.id, packId: pack.id, name: e.name, hidden });
    let ordinal = 0;
    const walk = (xs: readonly EnumerationItem[] | undefined, parentId: string | null, depth: number) => {
      for (const i of xs ?? []) {
        items.push({
          itemId: i.id,
          listId: e.id,
          parentId,
          name: i.name,
          value: i.value ?? null,
          ordinal: ordinal++,
          depth,
          hidden,
        });
        walk(i.items, i.id, depth + 1);
      }
    };
    walk(e.items, null, 0);
  }
  return { lists, items };
}

export interface DwLists {
  lists: Map<string, ListRow>;
  items: ListItemRow[];
  byId: Map<string, ListItemRow>;
  /** The item of `listId` whose value is `value` (compared as text). */
  itemByValue(listId: string, value: unknown): ListItemRow | undefined;
}

export async function readDwLists(staging: Queryable): Promise<DwLists> {
  const l = await staging.query<{ list_id: string; pack_id: string; name: string; hidden: boolean }>(
    'SELECT list_id, pack_id, name, hidden FROM dw_lists ORDER BY list_id',
  );
  const i = await staging.query<{
    item_id: string;
    list_id: string;
    parent_id: string | null;
    name: string;
    value: string | number | null;
    ordinal: number;
    depth: number;
    hidden: boolean;
  }>(
    'SELECT item_id, list_id, parent_id, name, value, ordinal, depth, hidden FROM dw_list_items ORDER BY list_id, ordinal, item_id',
  );
  const lists = new Map<string, ListRow>(
    l.rows.map((r) => [r.list_id, { listId: r.list_id, packId: r.pack_id, name: r.name, hidden: r.hidden }]),
  );
  const items: ListItemRow[] = i.rows.map((r) => ({
    itemId: r.item_id,
    listId: r.list_id,
    parentId: r.parent_id,
    name: r.name,
    value: r.value,
    ordinal: r.ordinal,
    depth: r.depth,
    hidden: r.hidden,
  }));
  for (const pack of builtInPacks()) {
    const flat = flattenPackLists(pack);
    for (const list of flat.lists) {
      if (lists.has(list.listId)) continue;
      lists.set(list.listId, list);
      items.push(...flat.items.filter((x) => x.listId === list.listId));
    }
  }
  return makeLists(lists, items);
}

function makeLists(lists: Map<string, ListRow>, items: ListItemRow[]): DwLists {
  const byId = new Map(items.map((x) => [x.itemId, x]));
  const byValue = new Map<string, ListItemRow>();
  for (const x of items) if (x.value !== null) byValue.set(`${x.listId}\u0000${String(x.value)}`, x);
  return {
    lists,
    items,
    byId,
    itemByValue: (listId, value) =>
      value === null || value === undefined ? undefined : byValue.get(`${listId}\u0000${String(value)}`),
  };
}
