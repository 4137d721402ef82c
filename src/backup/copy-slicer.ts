/**
 * Cuts a table's COPY text stream into slices of whole rows, as docs/FORMAT.md
 * §2.6 rule 3 says: a slice is cut at the first row end at or past
 * SLICE_BYTES; a row longer than SLICE_BYTES is a slice of its own (the rows
 * before it are cut first, the rows after it start the next slice). It keeps
 * the table's statistics as it goes: rows (LF count), bytes and SHA-256 of
 * the uncompressed text (§2.4).
 *
 * Memory: at most SLICE_BYTES plus the row that crosses it; a row that would
 * make a slice larger than a reader accepts (MAX_SLICE_PLAIN) is refused
 * while it is read, before it is held whole (SliceTooLarge).
 */
import { createHash, type Hash } from 'node:crypto';
import { MAX_SLICE_PLAIN, SLICE_BYTES } from './archive-format.js';

const YIELD_EVERY = 1 << 20;

export class TableDigest {
  rows = 0;
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');

  update(data: Uint8Array): void {
    this.bytes += data.length;
    this.rows += countLf(data);
    this.hash.update(data);
  }

  /**
   * update() in 1 MiB pieces, letting the event loop run between them: a
   * restore hashes each 8 MiB slice while its connections wait for their
   * next statement, which a whole-slice hash would hold back ~5-10 ms.
   */
  async updateYielding(data: Uint8Array): Promise<void> {
    for (let at = 0; at < data.length; at += YIELD_EVERY) {
      if (at > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      this.update(data.subarray(at, at + YIELD_EVERY));
    }
  }

  hex(): string {
    return this.hash.copy().digest('hex');
  }
}

/** A row longer than a slice may be (its size so far, in bytes). */
export class SliceTooLarge extends Error {
  constructor(readonly bytes: number) {
    super(`a row of more than ${bytes} bytes`);
  }
}

export function countLf(data: Uint8Array): number {
  const buf = asBuffer(data);
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

const asBuffer = (d: Uint8Array): Buffer =>
  Buffer.isBuffer(d) ? d : Buffer.from(d.buffer, d.byteOffset, d.length);

/** Yields slices of whole rows (each ending with an LF) following FORMAT §2.6 rule 3. */
export async function* sliceRows(
  source: AsyncIterable<Uint8Array>,
  digest: TableDigest,
  size = SLICE_BYTES,
  limit = MAX_SLICE_PLAIN,
): AsyncIterable<Buffer> {
  let parts: Buffer[] = [];
  let held = 0;
  /** While the row crossing `size` has not ended: where it starts (no LF is held at or past `size - 1`). */
  let crossing: number | undefined;
  for await (const chunk of source) {
    const buf = asBuffer(chunk);
    digest.update(buf);
    parts.push(buf);
    held += buf.length;
    if (held < size) continue;
    if (crossing !== undefined && buf.indexOf(10) === -1) {
      // Still inside the long row: nothing to search again, nothing to join.
      if (crossing > 0 && held - crossing > size) {
        yield parts[0]!.subarray(0, crossing); // the rows before a row longer than a slice
        parts[0] = parts[0]!.subarray(crossing);
        held -= crossing;
        crossing = 0;
      }
      if (held - crossing > limit) throw new SliceTooLarge(held - crossing);
      continue;
    }
    let joined = Buffer.concat(parts, held);
    crossing = undefined;
    for (;;) {
      const cut = nextCut(joined, size);
      if (cut.kind === 'wait') {
        if (cut.start > 0 && joined.length - cut.start > size) {
          yield joined.subarray(0, cut.start);
          joined = joined.subarray(cut.start);
          crossing = 0;
        } else crossing = cut.start;
        if (joined.length - crossing > limit) throw new SliceTooLarge(joined.length - crossing);
        break;
      }
      for (const end of cut.ends) {
        if (end > limit) throw new SliceTooLarge(end);
        yield joined.subarray(0, end);
        joined = joined.subarray(end);
      }
      if (joined.length < size) break;
    }
    // Copy the remainder out of the joined buffer so the slices handed out can be freed.
    parts = joined.length > 0 ? [Buffer.from(joined)] : [];
    held = joined.length;
  }
  if (held > 0) {
    const last = Buffer.concat(parts, held);
    if (last.length > limit) throw new SliceTooLarge(last.length);
    yield last;
  }
}

type Cut = { kind: 'wait'; start: number } | { kind: 'cut'; ends: number[] };

/**
 * Where to cut `data` (at least `size` bytes, starting at a row start): the
 * row crossing byte `size` starts at `start` and ends at `end`. A crossing
 * row longer than `size` is its own slice, after the rows before it; else the
 * slice ends with that row. `wait` while the crossing row has not ended.
 */
function nextCut(data: Buffer, size: number): Cut {
  const start = data.lastIndexOf(10, size - 2) + 1;
  const lf = data.indexOf(10, size - 1);
  if (lf === -1) return { kind: 'wait', start };
  const end = lf + 1;
  if (end - start > size && start > 0) return { kind: 'cut', ends: [start, end - start] };
  return { kind: 'cut', ends: [end] };
}
