import assert from 'node:assert/strict';
import { test } from 'node:test';
import { following, Upstream } from './upstream.js';

test('following: a pass per burst of commits, and one more after the end', async () => {
  const up = new Upstream();
  const seen: number[] = [];
  let release!: () => void;
  const firstPassBlocked = new Promise<void>((r) => {
    release = r;
  });
  const done = following(up, async () => {
    seen.push(up.generation);
    if (seen.length === 1) await firstPassBlocked;
  });
  // A commit during the first pass is not missed: a second pass follows it.
  up.commit();
  release();
  await waitFor(() => seen.length === 2);
  assert.deepEqual(seen, [0, 1]);
  up.commit();
  up.commit();
  up.finish();
  await done;
  // One pass after the commits (it may see both), and the last one after the end.
  assert.ok(seen.length >= 3 && seen.length <= 4, `${seen}`);
  assert.equal(seen.at(-1), 3);
});

test('following: an upstream already ended gives exactly one pass', async () => {
  const up = new Upstream();
  up.finish();
  let passes = 0;
  await following(up, async () => {
    passes += 1;
  });
  assert.equal(passes, 1);
});

test('following: a failing pass ends the follow with its error', async () => {
  const up = new Upstream();
  await assert.rejects(
    following(up, async () => {
      throw new Error('boom');
    }),
    /boom/,
  );
});

async function waitFor(ok: () => boolean, deadlineMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > deadlineMs) throw new Error('condition not met before the deadline');
    await new Promise((r) => setImmediate(r));
  }
}
