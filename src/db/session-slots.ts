/**
 * `size` connections held as sessions (Database.session) with the same
 * settings, each running one task at a time from a shared queue, as
 * pg_restore -j's workers each keep one connection: a task pays no
 * connection set-up and no settings round trip. A session is opened when a
 * task finds none idle (at most `size`), and kept until close().
 *
 * Guarantees: run() answers its task's outcome; a session that cannot be
 * opened rejects the tasks that find no other, never hangs them. close()
 * waits for the tasks queued so far and closes every connection (they are
 * not returned to the pool: the settings end with them).
 */
import type { Database, Transaction } from './database.js';

interface Job {
  task: (tx: Transaction) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export class SessionSlots {
  private readonly queue: Job[] = [];
  /** Sessions waiting for a task: each resolves with the next job, or undefined to end. */
  private readonly idle: Array<(job: Job | undefined) => void> = [];
  private readonly sessions: Promise<void>[] = [];
  private alive = 0;
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly size: number,
    private readonly settings: Record<string, string>,
  ) {}

  run<T>(task: (tx: Transaction) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the sessions are closed'));
    return new Promise<T>((resolve, reject) => {
      const job: Job = { task, resolve: resolve as (v: unknown) => void, reject };
      const waiting = this.idle.shift();
      if (waiting) return waiting(job);
      this.queue.push(job);
      if (this.alive < this.size) this.open();
    });
  }

  /** Waits for the queued tasks, then ends every session. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiting of this.idle.splice(0)) waiting(undefined);
    await Promise.all(this.sessions);
  }

  private open(): void {
    this.alive++;
    const session = this.db
      .session(async (tx) => {
        for (let job = await this.next(); job; job = await this.next()) {
          try {
            job.resolve(await job.task(tx));
          } catch (e) {
            job.reject(e);
          }
        }
      }, this.settings)
      .then(
        () => {
          this.alive--;
        },
        (e) => {
          // Could not open (or lost) this session: when no other is left, what is queued fails now.
          this.alive--;
          if (this.alive === 0) for (const job of this.queue.splice(0)) job.reject(e);
        },
      );
    this.sessions.push(session);
  }

  private next(): Promise<Job | undefined> {
    const job = this.queue.shift();
    if (job || this.closed) return Promise.resolve(job);
    return new Promise((resolve) => this.idle.push(resolve));
  }
}
