/**
 * Cuts a table's COPY text stream into slices of whole rows (docs/FORMAT.md
 * §2.6 rule 3) and keeps the table's statistics as it goes: rows (LF count),
 * bytes and SHA-256 of the uncompressed text (§2.4).
 */
import { createHash, type Hash } from 'node:crypto';
import { SLICE_BYTES } from './archive-format.js';

export class TableDigest {
  rows = 0;
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');

  update(data: Uint8Array): void {
    this.bytes += data.length;
    this.rows += countLf(data);
    this.hash.update(data);
  }

  hex(): string {
    return this.hash.copy().digest('hex');
  }
}

export function countLf(data: Uint8Array): number {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length);
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/** Yields slices of at least `size` bytes (except the last), each ending with an LF. */
export async function* sliceRows(
  source: AsyncIterable<Uint8Array>,
  digest: TableDigest,
  size = SLICE_BYTES,
): AsyncIterable<Buffer> {
  let parts: Buffer[] = [];
  let held = 0;
  for await (const chunk of source) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    digest.update(buf);
    parts.push(buf);
    held += buf.length;
    if (held < size) continue;
    const joined = Buffer.concat(parts, held);
    const cut = joined.lastIndexOf(10) + 1;
    if (cut === 0) {
      parts = [joined]; // one row longer than `size`: keep reading until it ends
      continue;
    }
    yield joined.subarray(0, cut);
    const rest = joined.subarray(cut);
    parts = rest.length > 0 ? [Buffer.from(rest)] : [];
    held = rest.length;
  }
  if (held > 0) yield Buffer.concat(parts, held);
}
