/**
 * The end-to-end lag of the benchmark (bench/dw/run.ts): a sustained load
 * of `rate` API writes per second on the management server for `seconds`
 * (even writes create an incident titled `lag <n>`, odd ones PATCH the
 * last created one's title to `lag <n>` and its status), while the DW
 * server runs its chain (extract every intervalSeconds, then transform and
 * load). The data mart is polled every POLL_MS for the `lag <n>` versions
 * in work_item_dim; a write's lag is from the API's answer (the change is
 * committed) to the first poll that sees it, so it is over-stated by up to
 * POLL_MS. Writes are sent on a fixed schedule (write n at n/rate s) with
 * at most MAX_IN_FLIGHT outstanding: a server that cannot keep up shows as
 * an achieved rate under the target.
 */
import type { Database } from '../../src/db/database.js';

const POLL_MS = 200;
const MAX_IN_FLIGHT = 64;
const CATCH_UP_DEADLINE_MS = 600_000;

export interface LagResult {
  target: number;
  writes: number;
  failed: number;
  achievedRate: number;
  apiMs: { p50: number; p99: number };
  lagMs: { p50: number; p99: number; max: number };
  seen: number;
  /** Time from the last write's answer until every write was in the mart. */
  drainMs: number;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export async function measureLag(
  baseUrl: string,
  token: string,
  mart: Database,
  rate: number,
  seconds: number,
): Promise<LagResult> {
  const maxId = await mart.query<{ id: string | null }>(
    'SELECT max(work_item_id)::text AS id FROM work_item_dim',
  );
  const after = maxId.rows[0]!.id ?? '0';
  const answeredAt = new Map<number, number>();
  const apiMs: number[] = [];
  const seenAt = new Map<number, number>();
  let failed = 0;
  let lastCreated: number | undefined;
  const total = Math.round(rate * seconds);
  let stopPolling = false;
  const poller = (async () => {
    while (!stopPolling) {
      const r = await mart.query<{ title: string }>(
        "SELECT title FROM work_item_dim WHERE work_item_id > $1::bigint AND title LIKE 'lag %'",
        [after],
      );
      const now = performance.now();
      for (const { title } of r.rows) {
        const n = Number(title.slice(4));
        if (!seenAt.has(n)) seenAt.set(n, now);
      }
      await new Promise((res) => setTimeout(res, POLL_MS));
    }
  })();
  const write = async (n: number): Promise<void> => {
    const sent = performance.now();
    const patch = n % 2 === 1 && lastCreated !== undefined;
    const res = await fetch(`${baseUrl}/api/v1/work-items${patch ? `/${lastCreated}` : ''}`, {
      method: patch ? 'PATCH' : 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(
        patch
          ? { title: `lag ${n}`, status: n % 4 === 1 ? 'pending' : 'resolved' }
          : { class: 'incident', title: `lag ${n}`, priority: 1 + (n % 4) },
      ),
    }).catch(() => undefined);
    const done = performance.now();
    if (!res?.ok) {
      failed++;
      await res?.text();
      return;
    }
    const body = (await res.json()) as { id: number };
    if (!patch) lastCreated = body.id;
    answeredAt.set(n, done);
    apiMs.push(done - sent);
  };
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  for (let n = 0; n < total; n++) {
    const due = started + (n * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((res) => setTimeout(res, wait));
    while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
    const p = write(n).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  const writesDone = performance.now();
  const achievedRate = answeredAt.size / ((writesDone - started) / 1000);
  const deadline = writesDone + CATCH_UP_DEADLINE_MS;
  while ([...answeredAt.keys()].some((n) => !seenAt.has(n)) && performance.now() < deadline)
    await new Promise((res) => setTimeout(res, POLL_MS));
  const drainMs = performance.now() - writesDone;
  stopPolling = true;
  await poller;
  const lags = [...answeredAt].filter(([n]) => seenAt.has(n)).map(([n, t]) => seenAt.get(n)! - t);
  return {
    target: rate,
    writes: answeredAt.size,
    failed,
    achievedRate,
    apiMs: { p50: percentile(apiMs, 50), p99: percentile(apiMs, 99) },
    lagMs: { p50: percentile(lags, 50), p99: percentile(lags, 99), max: Math.max(...lags) },
    seen: lags.length,
    drainMs,
  };
}
