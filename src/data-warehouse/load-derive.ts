/**
 * What the Load job writes for one work item, derived from ALL of its
 * versions in DWRepository, in order (docs/DATA-WAREHOUSE.md §4): its
 * dimension rows (one per version), its created and resolved facts, its
 * stays in each status, its assignments, affected users and configuration
 * items, and its SLA candidate. Pure: the same versions give the same rows,
 * which is what makes Load idempotent and its batches order-free. Times
 * are the repository's strings (UTC ISO, microseconds); durations, date
 * keys and the SLA outcome are computed by the database on insert.
 */
import { NOT_OPEN_STATUSES } from './dw-lists.js';

export interface RepoWorkItemVersion {
  position: string;
  work_item_id: number;
  valid_from: string;
  valid_to: string | null;
  deleted: boolean;
  class: string;
  display_id: string;
  title: string;
  status: string;
  status_item: string | null;
  priority: number | null;
  priority_item: string | null;
  classification_item: string | null;
  assigned_to: string | null;
  affected_user: string | null;
  config_items: Array<number | string>;
  properties: Record<string, unknown>;
  created_at: string;
  resolve_by: string | null;
  breached_at: string | null;
}

export interface Stay<T> {
  value: T;
  started_at: string;
  ended_at: string | null;
  /** The index of the version that started it. */
  version: number;
}

export interface DerivedWorkItem {
  dims: Array<RepoWorkItemVersion & { is_current: boolean; removed: boolean }>;
  created: {
    work_item_id: number;
    created_at: string;
    class: string;
    priority_item: string | null;
    classification_item: string | null;
  };
  resolved?: {
    work_item_id: number;
    resolved_at: string;
    created_at: string;
    class: string;
    priority_item: string | null;
    classification_item: string | null;
  };
  statuses: Array<{
    work_item_id: number;
    entered_at: string;
    left_at: string | null;
    status: string;
    status_item: string | null;
    class: string;
  }>;
  assigned: Array<{ work_item_id: number; username: string; started_at: string; ended_at: string | null }>;
  affected: Array<{ work_item_id: number; username: string; started_at: string; ended_at: string | null }>;
  configItems: Array<{
    work_item_id: number;
    config_item_id: number;
    started_at: string;
    ended_at: string | null;
    class: string;
  }>;
  sla?: {
    work_item_id: number;
    class: string;
    priority_item: string | null;
    resolve_by: string;
    resolved_at: string | null;
    breached_at: string | null;
  };
  /** Every time the rows use (for the date dimension's range). */
  times: string[];
}

export const isOpen = (status: string): boolean => !NOT_OPEN_STATUSES.includes(status);

/**
 * Stays of a single value over the live versions: consecutive versions with
 * the same value are one stay; a null value is no stay; a stay starting at
 * the same time as the previous one replaces it (a zero-length stay is
 * dropped).
 */
export function stays<T>(
  live: ReadonlyArray<{ v: RepoWorkItemVersion; i: number }>,
  pick: (v: RepoWorkItemVersion) => T | null,
  key: (t: T) => string = (t) => String(t),
): Array<Stay<T>> {
  const out: Array<Stay<T>> = [];
  let current: Stay<T> | undefined;
  for (const { v, i } of live) {
    const value = pick(v);
    if (current && value !== null && key(value) === key(current.value)) continue;
    if (current) current.ended_at = v.valid_from;
    current = undefined;
    if (value === null) continue;
    const last = out.at(-1);
    if (last && last.started_at === v.valid_from) out.pop();
    const prev = out.at(-1);
    if (prev && prev.ended_at === v.valid_from && key(prev.value) === key(value)) {
      prev.ended_at = null;
      current = prev;
      continue;
    }
    current = { value, started_at: v.valid_from, ended_at: null, version: i };
    out.push(current);
  }
  return out.filter((s) => s.ended_at !== s.started_at);
}

/** A configuration item related (or unrelated) through the console or API: a {related}/{unrelated} event. */
export interface ConfigItemLink {
  at: string;
  config_item_id: number;
  related: boolean;
}

/**
 * `versions`: one work item's, in order; `ciIds`: a configuration item reference → its id (if known);
 * `links`: its {related}/{unrelated} events in time order.
 */
export function deriveWorkItem(
  versions: readonly RepoWorkItemVersion[],
  ciIds: (ref: number | string) => number | undefined,
  links: readonly ConfigItemLink[] = [],
): DerivedWorkItem {
  const id = versions[0]!.work_item_id;
  const last = versions.length - 1;
  const dims = versions.map((v, i) => ({ ...v, is_current: i === last, removed: v.deleted }));
  const live = versions.map((v, i) => ({ v, i })).filter((x) => !x.v.deleted);
  const current = (live.at(-1) ?? { v: versions[last]! }).v;
  const cls = current.class;
  const times: string[] = [current.created_at];

  const statusStays = stays(live, (v) => v.status);
  const statuses = statusStays.map((s) => ({
    work_item_id: id,
    entered_at: s.started_at,
    left_at: s.ended_at,
    status: s.value,
    status_item: versions[s.version]!.status_item,
    class: cls,
  }));

  let resolved: DerivedWorkItem['resolved'];
  if (statusStays.length > 0 && !isOpen(statusStays.at(-1)!.value)) {
    let k = statusStays.length - 1;
    while (k > 0 && !isOpen(statusStays[k - 1]!.value)) k--;
    const by = versions[statusStays[k]!.version]!;
    resolved = {
      work_item_id: id,
      resolved_at: statusStays[k]!.started_at,
      created_at: current.created_at,
      class: cls,
      priority_item: by.priority_item,
      classification_item: by.classification_item,
    };
  }

  const people = (pick: (v: RepoWorkItemVersion) => string | null) =>
    stays(live, pick).map((s) => ({
      work_item_id: id,
      username: s.value,
      started_at: s.started_at,
      ended_at: s.ended_at,
    }));

  // Configuration items: at each instant, the version's `config_items` and the items related through
  // the console or API (`links`: the {related}/{unrelated} history events); a stay per item while in it.
  const configItems: DerivedWorkItem['configItems'] = [];
  const open = new Map<number, { started_at: string }>();
  const linked = new Set<number>();
  let fromProperties = new Set<number>();
  const steps = [
    ...live.map(({ v }) => ({
      at: v.valid_from,
      version: v as RepoWorkItemVersion | undefined,
      link: undefined,
    })),
    ...links.map((l) => ({ at: l.at, version: undefined, link: l as ConfigItemLink | undefined })),
  ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  for (const step of steps) {
    if (step.version) {
      fromProperties = new Set<number>();
      for (const ref of step.version.config_items) {
        const ci = ciIds(ref);
        if (ci !== undefined) fromProperties.add(ci);
      }
    } else if (step.link?.related) linked.add(step.link.config_item_id);
    else if (step.link) linked.delete(step.link.config_item_id);
    const at = step.at;
    const now = new Set([...fromProperties, ...linked]);
    for (const [ci, s] of [...open]) {
      if (now.has(ci)) continue;
      if (s.started_at !== at)
        configItems.push({
          work_item_id: id,
          config_item_id: ci,
          started_at: s.started_at,
          ended_at: at,
          class: cls,
        });
      open.delete(ci);
    }
    for (const ci of now) if (!open.has(ci)) open.set(ci, { started_at: at });
  }
  for (const l of links) times.push(l.at);
  for (const [ci, s] of open)
    configItems.push({
      work_item_id: id,
      config_item_id: ci,
      started_at: s.started_at,
      ended_at: null,
      class: cls,
    });
  configItems.sort((a, b) => a.config_item_id - b.config_item_id || a.started_at.localeCompare(b.started_at));

  let sla: DerivedWorkItem['sla'];
  if (current.resolve_by && (current.breached_at || resolved)) {
    sla = {
      work_item_id: id,
      class: cls,
      priority_item: current.priority_item,
      resolve_by: current.resolve_by,
      resolved_at: resolved?.resolved_at ?? null,
      breached_at: current.breached_at,
    };
  }

  const assigned = people((v) => v.assigned_to);
  const affected = people((v) => v.affected_user);
  for (const v of versions) times.push(v.valid_from);
  for (const s of statuses) if (s.left_at) times.push(s.left_at);
  if (current.breached_at) times.push(current.breached_at);
  return {
    dims,
    created: {
      work_item_id: id,
      created_at: current.created_at,
      class: cls,
      priority_item: current.priority_item,
      classification_item: current.classification_item,
    },
    resolved,
    statuses,
    assigned,
    affected,
    configItems,
    sla,
    times,
  };
}
