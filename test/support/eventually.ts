/**
 * Waiting in tests: on a condition, with a deadline, never for a fixed time.
 * The deadline only turns a hang into a failure that says what never
 * happened; it is generous (DEADLINE_MS, or SMGR_TEST_DEADLINE_MS) because a
 * loaded machine is slow, not wrong. A test asserts what the feature
 * promises, never how fast it ran: speed is for the benchmarks.
 */
export const DEADLINE_MS = Number(process.env.SMGR_TEST_DEADLINE_MS ?? 120_000);

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `cond` every `everyMs` until it answers a truthy value, which it returns; fails naming `what`. */
export async function eventually<T>(
  what: string,
  cond: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  o: { ms?: number; everyMs?: number } = {},
): Promise<T> {
  const end = Date.now() + (o.ms ?? DEADLINE_MS);
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${o.ms ?? DEADLINE_MS} ms waiting for ${what}`);
    await sleep(o.everyMs ?? 20);
  }
}

/** `p`, or a failure naming `what` if it has not settled by the deadline. */
export async function withDeadline<T>(what: string, p: Promise<T>, ms = DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
