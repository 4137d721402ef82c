/**
 * Cleansing (docs/DATA-WAREHOUSE.md §3): one staged change of the management
 * server's feed → the columns of its version in DWRepository. Text trimmed,
 * empty names null, status lower-cased, list values resolved to their list
 * items, the classification and the related configuration items picked out
 * of `properties`. Pure: the same change and lists give the same version,
 * which is what makes re-running a Transform batch change nothing.
 * Timestamps stay the strings the source wrote (microseconds kept).
 */
import { type DwLists, PRIORITY_LIST, STATUS_LIST } from './dw-lists.js';

type Data = Record<string, unknown>;

const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : v == null ? '' : String(v).trim());
const name = (v: unknown): string | null => {
  const t = text(v);
  return t === '' ? null : t;
};
const obj = (v: unknown): Data => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Data) : {});
const stamp = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export interface StagedChange {
  position: string;
  op: 'insert' | 'update' | 'delete';
  entityId: number;
  changedAt: string;
  data: Data;
}

export interface WorkItemVersion {
  position: string;
  work_item_id: number;
  changed_at: string;
  deleted: boolean;
  class: string;
  display_id: string;
  title: string;
  description: string | null;
  status: string;
  status_item: string | null;
  priority: number | null;
  priority_item: string | null;
  classification_item: string | null;
  assigned_to: string | null;
  affected_user: string | null;
  config_items: Array<number | string>;
  properties: Data;
  created_at: string;
  updated_at: string;
  resolve_by: string | null;
  breached_at: string | null;
}

/** The classification: a `.classification` (or `classification`) property naming a list item. */
function classificationOf(properties: Data, lists: DwLists): string | null {
  const keys = Object.keys(properties)
    .filter((k) => k === 'classification' || k.endsWith('.classification'))
    .sort();
  for (const k of keys) {
    const v = properties[k];
    if (typeof v === 'string' && lists.byId.has(v.trim())) return v.trim();
  }
  return null;
}

/** `configItems` (array) or `configItem` (one): ids and trimmed names, distinct, sorted. */
function configItemsOf(properties: Data): Array<number | string> {
  const raw = properties.configItems ?? properties.configItem;
  const list = Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw];
  const ids = new Set<number>();
  const names = new Set<string>();
  for (const x of list) {
    if (typeof x === 'number' && Number.isSafeInteger(x) && x > 0) ids.add(x);
    else if (typeof x === 'string' && /^[1-9][0-9]{0,15}$/.test(x.trim())) ids.add(Number(x.trim()));
    else if (typeof x === 'string' && x.trim() !== '') names.add(x.trim());
  }
  return [...[...ids].sort((a, b) => a - b), ...[...names].sort()];
}

export function cleanseWorkItem(c: StagedChange, lists: DwLists): WorkItemVersion {
  const d = c.data;
  const properties = obj(d.properties);
  const status = text(d.status).toLowerCase();
  const priority = typeof d.priority === 'number' ? d.priority : null;
  return {
    position: c.position,
    work_item_id: c.entityId,
    changed_at: c.changedAt,
    deleted: c.op === 'delete',
    class: text(d.class),
    display_id: text(d.display_id),
    title: text(d.title),
    description: typeof d.description === 'string' ? d.description.trim() : null,
    status,
    status_item: lists.itemByValue(STATUS_LIST, status)?.itemId ?? null,
    priority,
    priority_item: lists.itemByValue(PRIORITY_LIST, priority)?.itemId ?? null,
    classification_item: classificationOf(properties, lists),
    assigned_to: name(d.assigned_to),
    affected_user: name(d.affected_user),
    config_items: configItemsOf(properties),
    properties,
    created_at: stamp(d.created_at) ?? c.changedAt,
    updated_at: stamp(d.updated_at) ?? stamp(d.created_at) ?? c.changedAt,
    resolve_by: stamp(d.resolve_by),
    breached_at: stamp(d.breached_at),
  };
}

export interface ConfigItemVersion {
  position: string;
  config_item_id: number;
  changed_at: string;
  deleted: boolean;
  class: string;
  name: string;
  properties: Data;
  created_at: string;
  updated_at: string;
}

export function cleanseConfigItem(c: StagedChange): ConfigItemVersion {
  const d = c.data;
  return {
    position: c.position,
    config_item_id: c.entityId,
    changed_at: c.changedAt,
    deleted: c.op === 'delete',
    class: text(d.class),
    name: text(d.name),
    properties: obj(d.properties),
    created_at: stamp(d.created_at) ?? c.changedAt,
    updated_at: stamp(d.updated_at) ?? stamp(d.created_at) ?? c.changedAt,
  };
}

export interface UserVersion {
  position: string;
  user_id: number;
  changed_at: string;
  deleted: boolean;
  username: string;
}

export function cleanseUser(c: StagedChange): UserVersion {
  return {
    position: c.position,
    user_id: c.entityId,
    changed_at: c.changedAt,
    deleted: c.op === 'delete',
    username: text(c.data.username),
  };
}

export interface WorkItemEvent {
  event_id: number;
  position: string;
  op: StagedChange['op'];
  work_item_id: number;
  at: string;
  actor: string;
  change: Data;
  changed_at: string;
}

export function cleanseEvent(c: StagedChange): WorkItemEvent {
  const d = c.data;
  return {
    event_id: c.entityId,
    position: c.position,
    op: c.op,
    work_item_id: Number(d.work_item_id),
    at: stamp(d.at) ?? c.changedAt,
    actor: text(d.actor),
    change: obj(d.change),
    changed_at: c.changedAt,
  };
}
