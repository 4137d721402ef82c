/**
 * A service desk's last weeks, written into a ServiceManager database as
 * the API writes them (a work item row and its `{created}` history entry,
 * then each change as an update of the row — `updated_at` set to the
 * change's time — and a `{changed}` entry), but back-dated, so reports have
 * days, weeks and months to cover. Deterministic (a seeded generator). The
 * triggers of the change feed record every write, as for the API's.
 *
 * Paths, by item: stays active; active → pending; resolved; resolved then
 * closed; resolved, reopened, resolved again; resolved then closed long ago
 * (what grooming removes). Every change is at least an hour in the past.
 *
 * SLA, as the management server's SLA workflow would have kept it at the time: an incident of
 * priority 1-4 gets its target (resolve_by: created + the target of its priority) when created;
 * one open at its target, or reopened after it, is marked breached (breached_at) a second after
 * (an update of breached_at alone, written last, as the workflow writes it: no history entry).
 */
import type { Database } from '../../src/db/database.js';
import { SLA_TARGET_HOURS } from './report-oracle.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface DeskHistory {
  workItemIds: number[];
  configItemIds: number[];
  /** Items closed more than `closedDaysAgo` days before now (grooming's candidates). */
  closedBefore(daysAgo: number): number[];
}

const open = (status: string) => status !== 'resolved' && status !== 'closed';

/** When the SLA workflow marks the item: a second after the first instant at or past `target` it is open. */
function breachMark(
  steps: ReadonlyArray<{ at: number; status: string }>,
  target: number,
): number | undefined {
  const statusAt = (t: number) => steps.filter((s) => s.at <= t).at(-1)!.status;
  const first = open(statusAt(target)) ? target : steps.find((s) => s.at > target && open(s.status))?.at;
  if (first === undefined || !open(statusAt(first + 1000))) return undefined;
  return first + 1000;
}

export async function writeDeskHistory(sm: Database, n: number, now = Date.now()): Promise<DeskHistory> {
  const rand = mulberry32(11);
  const configItemIds: number[] = [];
  for (const [cls, name] of [
    ['computer', 'printer-north'],
    ['computer', 'laptop-0042'],
    ['service', 'e-mail'],
    ['service', 'vpn'],
  ]) {
    const r = await sm.query<{ id: string }>(
      `INSERT INTO config_items (class, name, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id::text AS id`,
      [cls, name, new Date(now - 80 * DAY)],
    );
    configItemIds.push(Number(r.rows[0]!.id));
  }
  const workItemIds: number[] = [];
  const closedAt = new Map<number, number>();
  const marks: Array<{ id: number; at: number }> = [];
  for (let i = 0; i < n; i++) {
    const cls = i % 3 === 0 ? 'service-request' : 'incident';
    const priority = [1, 2, 3, 4, null][i % 5] ?? null;
    const created = now - (3 + ((i * 7) % 50)) * DAY - Math.floor(rand() * DAY);
    const configItems = i % 4 === 3 ? [] : [configItemIds[(i * i) % 4]!];
    const hours = cls === 'incident' && priority !== null ? SLA_TARGET_HOURS[priority] : undefined;
    const resolveBy = hours === undefined ? null : new Date(created + hours * HOUR);
    const created2 = await sm.transaction(async (tx) => {
      const r = await tx.query<{ id: string }>(
        `WITH next AS (SELECT nextval(pg_get_serial_sequence('work_items', 'id')) AS id)
         INSERT INTO work_items (id, class, display_id, title, priority, status, properties, created_at, updated_at,
                                 resolve_by)
         SELECT next.id, $1, $2 || next.id, $3, $4, 'active', $5::jsonb, $6, $6, $7 FROM next RETURNING id::text AS id`,
        [
          cls,
          cls === 'incident' ? 'IR' : 'SR',
          `desk item ${i}`,
          priority,
          JSON.stringify({ configItems }),
          new Date(created),
          resolveBy,
        ],
      );
      const id = Number(r.rows[0]!.id);
      const body = { class: cls, title: `desk item ${i}`, priority, properties: { configItems } };
      await tx.query(
        `INSERT INTO work_item_history (work_item_id, at, actor, change) VALUES ($1, $2, 'admin', $3::jsonb)`,
        [id, new Date(created), JSON.stringify({ created: body })],
      );
      return id;
    });
    workItemIds.push(created2);
    const path = [
      [],
      ['pending'],
      ['resolved'],
      ['resolved', 'closed'],
      ['resolved', 'active', 'resolved'],
      ['resolved', 'closed'],
    ][i % 6]!;
    let at = created;
    const steps: Array<{ at: number; status: string }> = [{ at, status: 'active' }];
    for (const status of path) {
      // 1 to 20 hours per step.
      at += Math.floor((1 + rand() * 19) * HOUR);
      if (at > now - HOUR) break;
      await sm.transaction(async (tx) => {
        await tx.query('UPDATE work_items SET status = $2, updated_at = $3 WHERE id = $1', [
          created2,
          status,
          new Date(at),
        ]);
        await tx.query(
          `INSERT INTO work_item_history (work_item_id, at, actor, change) VALUES ($1, $2, 'analyst', $3::jsonb)`,
          [created2, new Date(at), JSON.stringify({ changed: { status } })],
        );
      });
      if (status === 'closed') closedAt.set(created2, at);
      steps.push({ at, status });
    }
    if (resolveBy) {
      const mark = breachMark(steps, resolveBy.getTime());
      if (mark !== undefined && mark < now - HOUR) marks.push({ id: created2, at: mark });
    }
  }
  for (const m of marks) {
    await sm.query('UPDATE work_items SET breached_at = $2 WHERE id = $1', [m.id, new Date(m.at)]);
  }
  return {
    workItemIds,
    configItemIds,
    closedBefore: (daysAgo) =>
      [...closedAt.entries()].filter(([, at]) => at < now - daysAgo * DAY).map(([id]) => id),
  };
}
