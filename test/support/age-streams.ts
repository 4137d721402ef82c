/**
 * Helpers for the age stream tests (src/backup/age-*.test.ts): a seeded
 * pseudo-random generator, feeding a buffer through a Transform in pieces of
 * random size with pipeline(), and hashing.
 */
import { createHash } from 'node:crypto';
import { Readable, type Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** mulberry32: a small seeded generator, so a failing piece pattern can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cuts `data` into pieces of 1 byte to `max` bytes, sizes drawn from `random`. */
export function* randomPieces(data: Buffer, random: () => number, max = 200 * 1024): Generator<Buffer> {
  let at = 0;
  while (at < data.length) {
    // Favor small and large pieces alike: half the time up to 64 bytes.
    const limit = random() < 0.5 ? 64 : max;
    const n = Math.min(data.length - at, 1 + Math.floor(random() * limit));
    yield data.subarray(at, at + n);
    at += n;
  }
}

export interface Run {
  output: Buffer;
  error: unknown;
}

/** Pipes `data` (in random pieces when `seed` is given, else whole) through `transform`; never rejects. */
export async function runThrough(transform: Transform, data: Buffer, seed?: number): Promise<Run> {
  const chunks: Buffer[] = [];
  const source =
    seed === undefined ? Readable.from([data]) : Readable.from(randomPieces(data, seededRandom(seed)));
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  let error: unknown = null;
  try {
    await pipeline(source, transform, sink);
  } catch (e) {
    error = e;
  }
  return { output: Buffer.concat(chunks), error };
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Deterministic pseudo-random bytes (fast enough for tens of MiB). */
export function pseudoRandomBytes(length: number, seed: number): Buffer {
  const random = seededRandom(seed);
  const out = Buffer.allocUnsafe(length);
  let at = 0;
  for (; at + 4 <= length; at += 4) out.writeUInt32LE(Math.floor(random() * 4294967296), at);
  for (; at < length; at++) out[at] = Math.floor(random() * 256);
  return out;
}
