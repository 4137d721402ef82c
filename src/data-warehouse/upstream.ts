/**
 * What a job that follows another (Transform follows Extract, Load follows
 * Transform, in `dw run all`: dw-run-overlapped.ts) knows of it: a count of
 * its committed batches, whether it has finished, and a promise of its next
 * commit. In-process only; the jobs' watermarks stay the state.
 */
export class Upstream {
  private commits = 0;
  private over = false;
  private waiters: Array<() => void> = [];

  /** Committed batches so far. */
  get generation(): number {
    return this.commits;
  }

  get finished(): boolean {
    return this.over;
  }

  /** The upstream job committed a batch. */
  commit(): void {
    this.commits += 1;
    this.wake();
  }

  /** The upstream job ended (done or failed): nothing more will come. */
  finish(): void {
    this.over = true;
    this.wake();
  }

  /** Resolves at the next commit or at the end (at once if ended). */
  next(): Promise<void> {
    if (this.over) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }
}

/**
 * Runs `pass` (one run of a job over what its upstream committed) until the
 * upstream has ended and a pass begun after that end has run: each pass
 * after the first starts when the upstream committed since the last one
 * began (a commit during a pass is not missed: the count is read before it).
 */
export async function following(up: Upstream, pass: () => Promise<void>): Promise<void> {
  for (;;) {
    const generation = up.generation;
    const ended = up.finished;
    await pass();
    if (ended) return;
    if (up.generation === generation) await up.next();
  }
}
