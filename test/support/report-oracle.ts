/**
 * The reports computed independently of the data warehouse: straight from
 * ServiceManager's work item history (what the API writes with every change:
 * `{created: {...}}`, `{changed: {...}}`), in plain TypeScript, with none of
 * the DW's code. The tests compare the DW's answers with these.
 *
 * Definitions (docs/DATA-WAREHOUSE.md §4 and Reports, restated): an item's
 * status at an instant is that of its last change before it (created:
 * `active` unless the body says otherwise); open unless resolved or closed.
 * Backlog: items created before, and open at, the end of a period (midnight
 * UTC after its last day). Resolution: the start of the last run of
 * resolved/closed statuses, only while the item is still resolved or closed.
 * Periods: UTC days, ISO weeks from Monday, months, clipped to [from, to].
 * Configuration items: those of the created body, and those related through
 * the console or API (`{related}` entries). SLA compliance: from the history,
 * the SLA targets of the priorities and each incident's target and breach
 * mark in `work_items` (slaOutcomes, below).
 */
import type { Queryable } from '../../src/db/database.js';

export interface ItemHistory {
  id: number;
  class: string;
  createdAt: number;
  /** [ms, status, priority] after each change, in order. */
  steps: Array<{ at: number; status: string; priority: number | null }>;
  /** Configuration item ids of the created body's `properties.configItems`. */
  configItems: number[];
  /** Configuration items related through the console or API: `{related: {configItemId}}` entries. */
  related: Array<{ at: number; configItemId: number }>;
}

const DAY = 86_400_000;
const isOpen = (s: string) => s !== 'resolved' && s !== 'closed';

/** Every work item's history, from ServiceManager's `work_item_history` alone. */
export async function readHistories(sm: Queryable): Promise<ItemHistory[]> {
  const r = await sm.query<{
    work_item_id: string;
    at: Date;
    change: Record<string, Record<string, unknown>>;
  }>('SELECT work_item_id::text AS work_item_id, at, change FROM work_item_history ORDER BY at, id');
  const items = new Map<number, ItemHistory>();
  for (const row of r.rows) {
    const id = Number(row.work_item_id);
    const at = row.at.getTime();
    if (row.change.created) {
      const c = row.change.created;
      const props = (c.properties ?? {}) as { configItems?: number[] };
      items.set(id, {
        id,
        class: String(c.class),
        createdAt: at,
        steps: [
          { at, status: String(c.status ?? 'active'), priority: (c.priority as number | null) ?? null },
        ],
        configItems: props.configItems ?? [],
        related: [],
      });
    } else if (row.change.related) {
      items.get(id)?.related.push({ at, configItemId: Number(row.change.related.configItemId) });
    } else if (row.change.changed) {
      const item = items.get(id);
      if (!item) continue;
      const last = item.steps.at(-1)!;
      const ch = row.change.changed;
      item.steps.push({
        at,
        status: typeof ch.status === 'string' ? ch.status : last.status,
        priority: 'priority' in ch ? ((ch.priority as number | null) ?? null) : last.priority,
      });
    }
  }
  return [...items.values()];
}

/** When and at which priority the item was resolved, if it is resolved now. */
export function resolution(item: ItemHistory): { at: number; priority: number | null } | undefined {
  const steps = item.steps;
  if (isOpen(steps.at(-1)!.status)) return undefined;
  let i = steps.length - 1;
  while (i > 0 && !isOpen(steps[i - 1]!.status)) i--;
  return { at: steps[i]!.at, priority: steps[i]!.priority };
}

export interface Period {
  period: string;
  start: string;
  end: string;
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayMs = (d: string) => Date.parse(`${d}T00:00:00Z`);

function isoWeek(ms: number): string {
  const d = new Date(ms);
  const thursday = ms + (3 - ((d.getUTCDay() + 6) % 7)) * DAY;
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

export function periods(from: string, to: string, grain: 'day' | 'week' | 'month' | 'all'): Period[] {
  if (grain === 'all') return [{ period: `${from}/${to}`, start: from, end: to }];
  const out: Period[] = [];
  const last = dayMs(to);
  for (let t = dayMs(from); t <= last; ) {
    const d = new Date(t);
    let next: number;
    let label: string;
    if (grain === 'day') {
      next = t + DAY;
      label = iso(t);
    } else if (grain === 'week') {
      next = t + (7 - ((d.getUTCDay() + 6) % 7)) * DAY;
      label = isoWeek(t);
    } else {
      next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      label = iso(t).slice(0, 7);
    }
    out.push({ period: label, start: iso(t), end: iso(Math.min(next - DAY, last)) });
    t = next;
  }
  return out;
}

const inPeriod = (ms: number, p: Period) => ms >= dayMs(p.start) && ms < dayMs(p.end) + DAY;

export function backlog(items: ItemHistory[], ps: Period[], cls: string | null) {
  return ps.map((p) => {
    const endMs = dayMs(p.end) + DAY;
    let open = 0;
    for (const item of items) {
      if (cls && item.class !== cls) continue;
      const before = item.steps.filter((s) => s.at < endMs);
      if (before.length > 0 && isOpen(before.at(-1)!.status)) open++;
    }
    return { ...p, open };
  });
}

export function openedResolved(items: ItemHistory[], ps: Period[], cls: string | null) {
  return ps.map((p) => {
    const mine = items.filter((i) => !cls || i.class === cls);
    return {
      ...p,
      opened: mine.filter((i) => inPeriod(i.createdAt, p)).length,
      resolved: mine.filter((i) => {
        const r = resolution(i);
        return r !== undefined && inPeriod(r.at, p);
      }).length,
    };
  });
}

/** Continuous percentile (linear between the two nearest ranks), as PostgreSQL's percentile_cont. */
export function percentileCont(values: number[], q: number): number {
  const v = [...values].sort((a, b) => a - b);
  const pos = q * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return v[lo]! + (pos - lo) * (v[hi]! - v[lo]!);
}

export function timeToResolution(items: ItemHistory[], ps: Period[], cls: string | null) {
  const out: Array<
    Period & { priority: number | null; resolved: number; meanHours: number; p90Hours: number }
  > = [];
  for (const p of ps) {
    const byPriority = new Map<number | null, number[]>();
    for (const i of items) {
      if (cls && i.class !== cls) continue;
      const r = resolution(i);
      if (!r || !inPeriod(r.at, p)) continue;
      const list = byPriority.get(r.priority) ?? [];
      list.push((r.at - i.createdAt) / 1000);
      byPriority.set(r.priority, list);
    }
    const keys = [...byPriority.keys()].sort((a, b) => (a ?? 99) - (b ?? 99));
    for (const k of keys) {
      const secs = byPriority.get(k)!;
      out.push({
        ...p,
        priority: k,
        resolved: secs.length,
        meanHours: secs.reduce((a, b) => a + b, 0) / secs.length / 3600,
        p90Hours: percentileCont(secs, 0.9) / 3600,
      });
    }
  }
  return out;
}

/**
 * Work items per configuration item over the whole range: relations of the created body begin when
 * the item is created, those related through the console or API when they are related.
 */
export function configItemCounts(items: ItemHistory[], from: string, to: string): Map<number, number> {
  const byCi = new Map<number, Set<number>>();
  const p = { period: '', start: from, end: to };
  const add = (ci: number, item: number) => byCi.set(ci, (byCi.get(ci) ?? new Set()).add(item));
  for (const i of items) {
    if (inPeriod(i.createdAt, p)) for (const ci of i.configItems) add(ci, i.id);
    for (const r of i.related) if (inPeriod(r.at, p)) add(r.configItemId, i.id);
  }
  return new Map([...byCi].map(([ci, ids]) => [ci, ids.size]));
}

// --- SLA compliance (dw-verify) ---

/**
 * The SLA targets, hours to resolve by priority, as the management server defines them: its SLA
 * workflow (src/management-server/workflows/sla.ts) sets an incident's resolve_by to its
 * created time plus the target of its priority, from config.json
 * `parts["management-server"].workflows.sla.resolveWithinHours`; these are the defaults
 * (workflow-settings.ts), restated here.
 */
export const SLA_TARGET_HOURS: Readonly<Record<number, number>> = { 1: 4, 2: 8, 3: 24, 4: 72 };

/** An item's SLA columns as ServiceManager's work_items holds them (ms; null when unset). */
export interface SlaState {
  resolveBy: number | null;
  breachedAt: number | null;
}

export async function readSlaStates(sm: Queryable): Promise<Map<number, SlaState>> {
  const r = await sm.query<{ id: string; resolve_by: Date | null; breached_at: Date | null }>(
    'SELECT id::text AS id, resolve_by, breached_at FROM work_items',
  );
  return new Map(
    r.rows.map((x) => [
      Number(x.id),
      { resolveBy: x.resolve_by?.getTime() ?? null, breachedAt: x.breached_at?.getTime() ?? null },
    ]),
  );
}

export interface SlaOutcome {
  id: number;
  class: string;
  outcome: 'met' | 'breached';
  at: number;
}

/**
 * The SLA outcome of each incident whose target the management server set (the SLA workflow sets
 * it while the incident is open, or after the fact for one resolved before the workflow saw it
 * open, with a breach mark at the target if it was resolved later). The target must be
 * created + SLA_TARGET_HOURS[priority] (checked: a product that computes it otherwise fails here). Breached: the item was open at the target or at any later change (the
 * workflow marks it; resolving late is a breach too); met: resolved now and never open after its
 * target. Dated by the breach mark (breached_at, the workflow's clock) if any, else by the
 * resolution; a breach neither marked nor resolved yet has no date, so no outcome yet.
 */
export function slaOutcomes(items: ItemHistory[], states: ReadonlyMap<number, SlaState>): SlaOutcome[] {
  const out: SlaOutcome[] = [];
  for (const item of items) {
    const state = states.get(item.id);
    if (item.class !== 'incident' || !state || state.resolveBy === null) continue;
    const priority = item.steps.at(-1)!.priority;
    const target = item.createdAt + (SLA_TARGET_HOURS[priority ?? 0] ?? Number.NaN) * 3_600_000;
    if (target !== state.resolveBy)
      throw new Error(`item ${item.id}: resolve_by ${state.resolveBy}, the SLA target says ${target}`);
    const atTarget = item.steps.filter((s) => s.at <= target).at(-1)!;
    const breached =
      state.breachedAt !== null ||
      isOpen(atTarget.status) ||
      item.steps.some((s) => s.at > target && isOpen(s.status));
    const resolved = resolution(item);
    const at = breached ? (state.breachedAt ?? resolved?.at) : resolved?.at;
    if (at === undefined) continue;
    out.push({ id: item.id, class: item.class, outcome: breached ? 'breached' : 'met', at });
  }
  return out;
}

/** Per period: the outcomes dated in it, met and breached, and the share met (percent, one decimal). */
export function slaCompliance(outcomes: SlaOutcome[], ps: Period[], cls: string | null) {
  return ps.map((p) => {
    const mine = outcomes.filter((o) => (!cls || o.class === cls) && inPeriod(o.at, p));
    const met = mine.filter((o) => o.outcome === 'met').length;
    const breached = mine.length - met;
    return {
      ...p,
      met,
      breached,
      compliancePercent: mine.length > 0 ? Math.round((1000 * met) / mine.length) / 10 : null,
    };
  });
}
