/**
 * A process that streams an archive (backup create and verify, a restore
 * or recover into a PostgreSQL server) trades V8's incremental marking for throughput.
 *
 * Why: every slice is a Buffer outside the JavaScript heap, and V8 answers
 * each few dozen MB of such memory with a full collection of a heap that
 * holds ~30 MB — ~50 collections for a 680 MB restore. Marked incrementally,
 * each one also costs a stream of marking steps; done at once, they are
 * short. Measured (2026-11-30, 2 cores, a 200k-work-item archive of 680 MB
 * COPY text, `smgr restore database` from secure storage, interleaved
 * runs): client CPU 5.3-5.6 s → 4.0-4.2 s, wall 8.9-9.3 s → 8.3-8.5 s, peak
 * RSS +30 MB; `smgr backup create` of the same data 7.4-7.6 → 6.6-6.7 CPU s.
 * `smgr serve` keeps incremental marking: its pauses stay short while it
 * answers requests. So does a restore into an embedded database (a
 * `pglite:` URL, or none: the home's), where memory is what binds: the same
 * flag cost a 100k-work-item restore into `pglite:` 30-50 MB of peak RSS
 * (645-675 MB against 611-646 MB) for 1.3 CPU s.
 *
 * Only a V8 flag: nothing to undo, and it changes no output.
 */
import v8 from 'node:v8';

/** `targets`: the database URLs the command writes, if it restores (undefined: the home's embedded ones). */
export function preferThroughputGc(...targets: Array<string | undefined>): void {
  if (targets.some((t) => t === undefined || t.startsWith('pglite:'))) return;
  v8.setFlagsFromString('--no-incremental-marking');
}
