import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyRetention,
  isoWeekOf,
  type RetentionCandidate,
  type RetentionPolicy,
} from './retention-policy.js';

/** mulberry32: a small seeded PRNG, so a failing case can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;

function randomArchives(rnd: () => number): RetentionCandidate[] {
  const n = Math.floor(rnd() * 40);
  const start = Date.UTC(2025, 11, 20) + Math.floor(rnd() * 400) * DAY;
  // A schedule: every few minutes to every few days, with missed runs (failures) leaving gaps.
  const step = [5 * 60_000, 3_600_000, 6 * 3_600_000, DAY, 3 * DAY][Math.floor(rnd() * 5)]!;
  const out: RetentionCandidate[] = [];
  let t = start;
  for (let i = 0; i < n; i++) {
    t += step * (1 + Math.floor(rnd() * 3)) + Math.floor(rnd() * 1000);
    if (rnd() < 0.15) continue; // a failed scheduled backup: no archive
    out.push({
      id: `a${i}`,
      createdAt: new Date(t),
      verified: rnd() < 0.5,
      busy: rnd() < 0.05,
      drillPassed: rnd() < 0.1,
    });
  }
  // Shuffle: the policy must not rely on its input's order.
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function randomPolicy(rnd: () => number): RetentionPolicy {
  const count = () => (rnd() < 0.4 ? undefined : Math.floor(rnd() * 6));
  return { keepLast: count(), keepDaily: count(), keepWeekly: count(), keepMonthly: count() };
}

/** The policy stated differently: group by period, the first N periods (newest first), the newest of each. */
function expectedKept(archives: RetentionCandidate[], p: RetentionPolicy): Set<string> {
  const newestFirst = [...archives].sort(
    (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id),
  );
  const kept = new Set<string>();
  const anyRule = [p.keepLast, p.keepDaily, p.keepWeekly, p.keepMonthly].some((n) => (n ?? 0) > 0);
  if (!anyRule) return new Set(archives.map((a) => a.id));
  for (const a of newestFirst.slice(0, p.keepLast ?? 0)) kept.add(a.id);
  const byPeriod = (key: (d: Date) => string, n: number) => {
    const groups = new Map<string, RetentionCandidate[]>();
    for (const a of newestFirst) {
      const k = key(a.createdAt);
      groups.set(k, [...(groups.get(k) ?? []), a]);
    }
    const periods = [...groups.keys()].sort().reverse().slice(0, n);
    for (const k of periods) kept.add(groups.get(k)![0]!.id);
  };
  byPeriod((d) => d.toISOString().slice(0, 10), p.keepDaily ?? 0);
  byPeriod(isoWeekOf, p.keepWeekly ?? 0);
  byPeriod((d) => d.toISOString().slice(0, 7), p.keepMonthly ?? 0);
  const verified = newestFirst.find((a) => a.verified);
  if (verified) kept.add(verified.id);
  const drilled = newestFirst.find((a) => a.drillPassed);
  if (drilled) kept.add(drilled.id);
  for (const a of archives) if (a.busy) kept.add(a.id);
  return kept;
}

test('retention property: over many random schedules and failures, the kept set matches the policy and the protected archives stay', () => {
  const base = Number(process.env.RETENTION_SEED ?? 20261130);
  for (let i = 0; i < 3000; i++) {
    const seed = base + i;
    const rnd = prng(seed);
    const archives = randomArchives(rnd);
    const policy = randomPolicy(rnd);
    const d = applyRetention(archives, policy);
    const kept = new Set(d.keep.map((k) => k.id));
    const why = `seed ${seed}, policy ${JSON.stringify(policy)}`;
    assert.deepEqual(kept, expectedKept(archives, policy), why);
    assert.equal(kept.size + d.remove.length, archives.length, why);
    for (const id of d.remove) assert.ok(!kept.has(id), why);
    const newest = [...archives].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    const verified = newest.find((a) => a.verified);
    if (verified) assert.ok(kept.has(verified.id), `newest verified deleted: ${why}`);
    for (const a of archives) if (a.busy) assert.ok(kept.has(a.id), `busy deleted: ${why}`);
    const drilled = archives.filter((a) => a.drillPassed);
    if (drilled.length === 1) assert.ok(kept.has(drilled[0]!.id), `only drilled deleted: ${why}`);
  }
});

test('retention: restic-like counts on a hand-made set', () => {
  const at = (iso: string, extra: Partial<RetentionCandidate> = {}): RetentionCandidate => ({
    id: iso,
    createdAt: new Date(iso),
    verified: false,
    busy: false,
    drillPassed: false,
    ...extra,
  });
  const archives = [
    at('2026-01-01T01:00:00Z', { drillPassed: true }),
    at('2026-01-20T01:00:00Z'),
    at('2026-02-03T01:00:00Z'),
    at('2026-02-03T13:00:00Z', { verified: true }),
    at('2026-02-04T01:00:00Z'),
    at('2026-02-04T13:00:00Z'),
  ];
  const d = applyRetention(archives, { keepLast: 1, keepDaily: 2, keepMonthly: 2 });
  assert.deepEqual(
    d.keep.map((k) => [k.id, k.reasons]),
    [
      ['2026-02-04T13:00:00Z', ['last', 'daily', 'monthly']],
      ['2026-02-03T13:00:00Z', ['daily', 'newest-verified']],
      ['2026-01-20T01:00:00Z', ['monthly']],
      ['2026-01-01T01:00:00Z', ['newest-drilled']],
    ],
  );
  assert.deepEqual(d.remove, ['2026-02-04T01:00:00Z', '2026-02-03T01:00:00Z']);
});

test('ISO weeks by UTC: years that start mid-week', () => {
  assert.equal(isoWeekOf(new Date('2026-01-01T00:00:00Z')), '2026-W01');
  assert.equal(isoWeekOf(new Date('2024-12-30T00:00:00Z')), '2025-W01');
  assert.equal(isoWeekOf(new Date('2021-01-03T23:59:59Z')), '2020-W53');
  assert.equal(isoWeekOf(new Date('2026-11-30T10:00:00Z')), '2026-W49');
});
