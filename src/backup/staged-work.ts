/**
 * The parallel restore's work in its staging schema (restore-staged.ts),
 * scheduled as pg_restore -j schedules it: at most `jobs` statements at once,
 * over `jobs` connections kept for the whole restore with the staging
 * schema's settings (session-slots.ts) — the slices' COPYs, each one
 * statement committed on its own, and
 * each table's index builds as soon as that table's last slice is loaded
 * (the archive holds a table's slices together, so a slice of the next table
 * means the previous one is complete), so the index builds of the first
 * tables run while the last ones load instead of after them; after them,
 * the highest value of each of its serial columns is measured (a full scan
 * where no index leads with the column: the change feed's ~1 s at 1M, which
 * used to run alone at the very end, in finishSchema). The keys, the
 * foreign keys, their validations and the triggers follow once every row and
 * index is in.
 *
 * Failures: a refused slice or index build is kept, and the rest of the
 * archive is still read (the manifest first tells an altered table from rows
 * the schema refuses); drain() throws it. Nothing here is visible outside
 * the staging schema; a crash leaves that schema for the next restore to
 * drop (restore-staged.ts).
 */
import type { Database, Queryable, Transaction } from '../db/database.js';
import { SessionSlots } from '../db/session-slots.js';
import type { TablePlan } from './archive-format.js';
import type { DeferredConstraints, RebuildStep } from './deferred-constraints.js';
import { restoreError } from './restore-errors.js';
import { once } from './restore-in-place.js';
import { columnKey, highestValue, type SerialColumn } from './table-plan.js';
import { copySource } from './table-reader.js';

export class StagedWork {
  /** Statements running now, never more than `jobs`. */
  private readonly running = new Set<Promise<void>>();
  /** The loads of each table, until its index builds are scheduled. */
  private readonly loads = new Map<string, Promise<void>[]>();
  /** Index builds not yet scheduled, by table; set by defer(). */
  private indexes = new Map<string, RebuildStep[]>();
  /** The serial columns whose maxima are not yet scheduled, by table; set by defer(). */
  private serials = new Map<string, SerialColumn[]>();
  /** Serial columns' maxima (columnKey()), each measured once its table was loaded and indexed. */
  readonly highest = new Map<string, string | null>();
  private readonly scheduling: Promise<void>[] = [];
  private current: string | undefined;
  private failure: unknown;
  /** `jobs` connections, each kept for the whole restore with the staging schema's settings. */
  private readonly sessions: SessionSlots;

  constructor(
    db: Database,
    readonly staging: string,
    private readonly file: string,
    private readonly jobs: number,
    checkClient: boolean,
  ) {
    this.sessions = new SessionSlots(db, jobs, {
      search_path: `"${staging.replace(/"/g, '""')}"`,
      // Restored rows are not new changes (the change feed's triggers are off while rows load anyway).
      'smgr.change_feed': 'off',
      // Safe: the final move commits synchronously on another connection, and WAL is flushed in order.
      synchronous_commit: 'off',
      // A backend whose client died mid-statement stops within a second instead of finishing an index build.
      ...(checkClient ? { client_connection_check_interval: '1s' } : {}),
    });
  }

  /** One transaction in the staging schema, on one of the restore's connections. */
  step<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.sessions.run(async (tx) => {
      await tx.exec('BEGIN');
      try {
        const result = await fn(tx);
        await tx.exec('COMMIT');
        return result;
      } catch (e) {
        await tx.exec('ROLLBACK').catch(() => {});
        throw e;
      }
    });
  }

  /** Ends the restore's connections (after its last step, and after a failure). */
  close(): Promise<void> {
    return this.sessions.close();
  }

  /** The index builds and the serial columns' maxima to schedule table by table as the tables are loaded. */
  defer(d: DeferredConstraints, serials: SerialColumn[]): void {
    this.indexes = new Map();
    for (const s of d.indexes) this.indexes.set(s.table, [...(this.indexes.get(s.table) ?? []), s]);
    this.serials = new Map();
    for (const s of serials) this.serials.set(s.table, [...(this.serials.get(s.table) ?? []), s]);
  }

  /** Starts loading a slice once fewer than `jobs` statements run; a refused slice fails the restore at drain(). */
  async loadSlice(table: TablePlan, data: Buffer): Promise<void> {
    if (this.failure) return; // read on: the manifest first tells an altered table from refused rows
    if (this.current !== undefined && this.current !== table.name) this.tableLoaded(this.current);
    this.current = table.name;
    // One statement, committed on its own: a slice is one round trip (no BEGIN, settings, COMMIT).
    const { done } = await this.start(
      () => this.sessions.run((tx) => tx.copyIn(copySource(table, this.staging), once(data)).then(() => {})),
      table.name,
    );
    this.loads.set(table.name, [...(this.loads.get(table.name) ?? []), done]);
  }

  /** Waits for every load and the index builds scheduled so far; throws the first failure. */
  async drain(): Promise<void> {
    if (this.current !== undefined) this.tableLoaded(this.current);
    this.current = undefined;
    await Promise.all(this.scheduling);
    while (this.running.size > 0) await Promise.all(this.running);
    if (this.failure) throw this.failure;
  }

  /**
   * The rest, after drain(): the index builds of tables that had no slice
   * (largest first, over `jobs` connections), then keys, foreign keys and
   * triggers in one transaction, then the validations over `jobs` connections.
   */
  async rebuild(d: DeferredConstraints, sizes: Map<string, number>): Promise<void> {
    const largestFirst = (steps: RebuildStep[]) =>
      [...steps].sort((a, b) => (sizes.get(b.table) ?? 0) - (sizes.get(a.table) ?? 0));
    await this.inParallel(largestFirst([...this.indexes.values()].flat()), true);
    this.indexes.clear();
    await this.step(async (tx) => {
      for (const s of [...d.keys, ...d.foreignKeys, ...d.triggers]) await this.run(tx, s);
    });
    await this.inParallel(largestFirst(d.validations), false);
  }

  /** Once the table's loads are done, its index builds join the queue, then the maxima of its serial columns. */
  private tableLoaded(name: string): void {
    const loads = this.loads.get(name) ?? [];
    this.loads.delete(name);
    const builds = this.indexes.get(name) ?? [];
    this.indexes.delete(name);
    const serials = this.serials.get(name) ?? [];
    this.serials.delete(name);
    if (builds.length === 0 && serials.length === 0) return;
    const schedule = async () => {
      await Promise.all(loads);
      const built: Promise<void>[] = [];
      for (const s of builds) {
        if (this.failure) return;
        const { done } = await this.start(
          () =>
            this.step(async (tx) => {
              await tx.tuneForBulkLoad();
              await this.run(tx, s);
            }),
          s.table,
        );
        built.push(done);
      }
      await Promise.all(built); // a maximum is an index probe where an index leads with the column
      for (const c of serials) {
        if (this.failure) return;
        await this.start(
          () =>
            this.step(async (tx) => {
              this.highest.set(columnKey(c), await highestValue(tx, this.staging, c));
            }),
          c.table,
        );
      }
    };
    this.scheduling.push(schedule());
  }

  /**
   * Starts `task` once fewer than `jobs` statements run and answers its
   * completion (wrapped, so awaiting the start does not await the task),
   * which never rejects: a failure is kept for drain(). The
   * check and the add are one synchronous step, so waiters woken together
   * never start more than `jobs`.
   */
  private async start(task: () => Promise<void>, table: string): Promise<{ done: Promise<void> }> {
    while (this.running.size >= this.jobs) await Promise.race(this.running);
    const done: Promise<void> = task()
      .catch((e) => {
        this.failure ??= restoreError(e, this.file, 'ServiceManager', table);
      })
      .finally(() => this.running.delete(done));
    this.running.add(done);
    return { done };
  }

  private async inParallel(steps: RebuildStep[], bulk: boolean): Promise<void> {
    const queue = [...steps];
    let failure: unknown;
    const worker = async () => {
      for (let s = queue.shift(); s && !failure; s = queue.shift()) {
        const step = s;
        await this.step(async (tx) => {
          if (bulk) await tx.tuneForBulkLoad();
          await this.run(tx, step);
        }).catch((e) => {
          failure ??= e;
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.jobs, steps.length) }, worker));
    if (failure) throw failure;
  }

  private async run(tx: Queryable, step: RebuildStep): Promise<void> {
    try {
      await tx.query(step.sql);
    } catch (e) {
      throw restoreError(e, this.file, 'ServiceManager', step.table);
    }
  }
}
