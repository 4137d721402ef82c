/**
 * Maps an async iterable through an async function with up to `concurrency`
 * calls in flight, yielding results in input order. Used to compress (and
 * decompress) slices on libuv's thread pool while the next slice is read:
 * memory is bounded by `concurrency` items.
 */
export async function* orderedMap<T, R>(
  source: AsyncIterable<T>,
  fn: (item: T) => Promise<R>,
  concurrency: number,
): AsyncIterable<R> {
  const pending: Array<Promise<R>> = [];
  try {
    for await (const item of source) {
      const p = fn(item);
      p.catch(() => {}); // observed below, in order; avoid an unhandled rejection meanwhile
      pending.push(p);
      if (pending.length >= concurrency) yield await pending.shift()!;
    }
    while (pending.length > 0) yield await pending.shift()!;
  } finally {
    await Promise.allSettled(pending);
  }
}
