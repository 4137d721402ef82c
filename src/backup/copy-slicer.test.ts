/** The slicer follows docs/FORMAT.md §2.6 rule 3, whatever the chunking of its input. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { seededRandom } from '../../test/support/age-streams.js';
import { SliceTooLarge, sliceRows, TableDigest } from './copy-slicer.js';

const SIZE = 100;

async function* chunked(data: Buffer, sizes: () => number): AsyncIterable<Buffer> {
  for (let at = 0; at < data.length; ) {
    const n = Math.max(1, sizes());
    yield data.subarray(at, at + n);
    at += n;
  }
}

async function slices(data: Buffer, sizes: () => number, limit = 10_000): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const s of sliceRows(chunked(data, sizes), new TableDigest(), SIZE, limit))
    out.push(Buffer.from(s));
  return out;
}

const rowsOf = (lengths: number[]) =>
  Buffer.concat(lengths.map((n, i) => Buffer.from(`${String.fromCharCode(97 + (i % 26)).repeat(n - 1)}\n`)));

/** The rule, stated directly: rows in order; cut once a slice holds >= SIZE; a row > SIZE alone. */
function expected(lengths: number[]): number[][] {
  const out: number[][] = [];
  let current: number[] = [];
  let held = 0;
  for (const n of lengths) {
    if (n > SIZE) {
      if (current.length) out.push(current);
      out.push([n]);
      current = [];
      held = 0;
      continue;
    }
    current.push(n);
    held += n;
    if (held >= SIZE) {
      out.push(current);
      current = [];
      held = 0;
    }
  }
  if (current.length) out.push(current);
  return out;
}

const lengthsOf = (slice: Buffer) =>
  slice
    .toString('latin1')
    .split('\n')
    .slice(0, -1)
    .map((r) => r.length + 1);

test('random rows and random chunking: the slices are those of the rule, and the digest is of the whole text', async () => {
  const random = seededRandom(8);
  for (let round = 0; round < 300; round++) {
    const lengths = Array.from({ length: 1 + Math.floor(random() * 40) }, () =>
      random() < 0.1 ? SIZE + 1 + Math.floor(random() * 300) : 1 + Math.floor(random() * 60),
    );
    const data = rowsOf(lengths);
    const maxChunk = 1 + Math.floor(random() * 150);
    const digest = new TableDigest();
    const got: Buffer[] = [];
    for await (const s of sliceRows(
      chunked(data, () => Math.floor(random() * maxChunk)),
      digest,
      SIZE,
      10_000,
    ))
      got.push(Buffer.from(s));
    assert.deepEqual(got.map(lengthsOf), expected(lengths), `round ${round}: ${lengths.join(',')}`);
    assert.ok(Buffer.concat(got).equals(data));
    assert.equal(digest.rows, lengths.length);
    assert.equal(digest.bytes, data.length);
    assert.equal(digest.hex(), createHash('sha256').update(data).digest('hex'));
  }
});

test('a row ending exactly at the size closes the slice; a row of 10 slices is a slice alone, rows after it start the next', async () => {
  assert.deepEqual((await slices(rowsOf([50, 50, 10]), () => 7)).map(lengthsOf), [[50, 50], [10]]);
  assert.deepEqual((await slices(rowsOf([30, 1000, 20, 90]), () => 13)).map(lengthsOf), [
    [30],
    [1000],
    [20, 90],
  ]);
});

test('the rows before a long row are handed out before the long row has ended (memory stays bounded)', async () => {
  const data = rowsOf([40, 5000]);
  let produced = 0;
  async function* counting(): AsyncIterable<Buffer> {
    for (let at = 0; at < data.length; at += 10) {
      produced = at + 10;
      yield data.subarray(at, at + 10);
    }
  }
  const it = sliceRows(counting(), new TableDigest(), SIZE, 10_000)[Symbol.asyncIterator]();
  const first = await it.next();
  assert.deepEqual(lengthsOf(first.value as Buffer), [40]);
  assert.ok(produced < data.length / 2, `the first slice came after ${produced} of ${data.length} bytes`);
  assert.deepEqual(lengthsOf((await it.next()).value as Buffer), [5000]);
  assert.equal((await it.next()).done, true);
});

test('a row longer than the reader limit is refused while it is read', async () => {
  const data = rowsOf([20, 50_000]);
  let produced = 0;
  async function* counting(): AsyncIterable<Buffer> {
    for (let at = 0; at < data.length; at += 100) {
      produced = at + 100;
      yield data.subarray(at, at + 100);
    }
  }
  await assert.rejects(
    (async () => {
      for await (const _ of sliceRows(counting(), new TableDigest(), SIZE, 1000)) {
        // drain
      }
    })(),
    (e) => e instanceof SliceTooLarge,
  );
  assert.ok(produced < 2000, `refused after ${produced} bytes`);
});

test('a digest updated in yielding pieces equals one updated at once (rows across the 1 MiB pieces)', async () => {
  const random = seededRandom(7);
  const text = rowsOf(Array.from({ length: 40_000 }, () => 1 + Math.floor(random() * 120)));
  assert.ok(text.length > 2 * (1 << 20), 'the text spans several pieces');
  const whole = new TableDigest();
  whole.update(text);
  const pieces = new TableDigest();
  await pieces.updateYielding(text.subarray(0, 1_500_000));
  await pieces.updateYielding(text.subarray(1_500_000));
  assert.deepEqual([pieces.rows, pieces.bytes, pieces.hex()], [whole.rows, whole.bytes, whole.hex()]);
  assert.equal(whole.hex(), createHash('sha256').update(text).digest('hex'));
  assert.equal(whole.rows, 40_000);
});
