/**
 * Which archives to keep (issue 13 item 2), as restic's `forget` decides,
 * plus three protections no count may override. Pure: it reads a list and
 * answers a decision; it deletes nothing (prune-backups.ts does, logging
 * every deletion).
 *
 * Rules, over the archives sorted newest first (ties by id):
 *  - keepLast N: the N newest archives.
 *  - keepDaily / keepWeekly / keepMonthly N: walking newest to oldest, the
 *    first (newest) archive of each day / ISO week / month, until N such
 *    periods are kept. Periods are by UTC.
 *  - Protected, whatever the counts: the newest verified archive, every
 *    archive being written or read (busy), and the newest archive a drill
 *    proved (so the only one a drill proved is never deleted).
 * A policy with no count at all keeps everything (restic refuses such a
 * forget; prune refuses it before calling this).
 */

export interface RetentionPolicy {
  keepLast?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
}

export interface RetentionCandidate {
  id: string;
  createdAt: Date;
  /** A verification or a drill of it passed. */
  verified: boolean;
  /** Being written or read now. */
  busy: boolean;
  /** A restore drill of it passed. */
  drillPassed: boolean;
}

export type KeepReason =
  | 'last'
  | 'daily'
  | 'weekly'
  | 'monthly'
  | 'newest-verified'
  | 'busy'
  | 'newest-drilled';

export interface RetentionDecision {
  keep: Array<{ id: string; reasons: KeepReason[] }>;
  remove: string[];
}

export function hasRetentionRule(p: RetentionPolicy): boolean {
  return [p.keepLast, p.keepDaily, p.keepWeekly, p.keepMonthly].some((n) => n !== undefined && n > 0);
}

export function applyRetention(
  archives: readonly RetentionCandidate[],
  policy: RetentionPolicy,
): RetentionDecision {
  const sorted = [...archives].sort(
    (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id),
  );
  const reasons = new Map<string, KeepReason[]>(sorted.map((a) => [a.id, []]));
  const mark = (a: RetentionCandidate, r: KeepReason) => reasons.get(a.id)!.push(r);
  if (!hasRetentionRule(policy)) for (const a of sorted) mark(a, 'last');

  for (const a of sorted.slice(0, policy.keepLast ?? 0)) mark(a, 'last');
  keepPeriods(sorted, policy.keepDaily ?? 0, dayOf, (a) => mark(a, 'daily'));
  keepPeriods(sorted, policy.keepWeekly ?? 0, isoWeekOf, (a) => mark(a, 'weekly'));
  keepPeriods(sorted, policy.keepMonthly ?? 0, monthOf, (a) => mark(a, 'monthly'));

  const newestVerified = sorted.find((a) => a.verified);
  if (newestVerified) mark(newestVerified, 'newest-verified');
  const newestDrilled = sorted.find((a) => a.drillPassed);
  if (newestDrilled) mark(newestDrilled, 'newest-drilled');
  for (const a of sorted) if (a.busy) mark(a, 'busy');

  return {
    keep: sorted
      .filter((a) => reasons.get(a.id)!.length > 0)
      .map((a) => ({ id: a.id, reasons: reasons.get(a.id)! })),
    remove: sorted.filter((a) => reasons.get(a.id)!.length === 0).map((a) => a.id),
  };
}

/** restic's bucket rule: the newest archive of each period, for the first `n` periods that have one. */
function keepPeriods(
  sorted: readonly RetentionCandidate[],
  n: number,
  period: (d: Date) => string,
  keep: (a: RetentionCandidate) => void,
): void {
  let last: string | undefined;
  let kept = 0;
  for (const a of sorted) {
    if (kept >= n) return;
    const p = period(a.createdAt);
    if (p === last) continue;
    last = p;
    kept++;
    keep(a);
  }
}

export const dayOf = (d: Date): string => d.toISOString().slice(0, 10);
export const monthOf = (d: Date): string => d.toISOString().slice(0, 7);

/** ISO 8601 week (UTC): weeks start on Monday; week 1 holds the year's first Thursday. */
export function isoWeekOf(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const dow = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - dow); // the Thursday of this week decides its year
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}
