/**
 * The lease keeper of a running management server: every renew interval it
 * renews this server's tenure, or looks at the lease and claims it when it
 * is assigned to this computer (a new group, a promotion, a restart after
 * the previous tenure ended), or, with automatic failover, takes a lease
 * expired for longer than the grace period. It logs every change of role,
 * so an old workflow server that comes back says that it runs as a
 * secondary, and for whom.
 *
 * Guarantees: it never decides expiry itself (the database does, lease and
 * fence); `tenure` is dropped as soon as a renewal is refused, so no new
 * workflow run starts on a lost lease. A database error keeps the tenure
 * (every fenced write still checks it) and is retried at the next interval.
 *
 * Crash: nothing to clean up; the tenure expires in the database.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { isSmgrError } from '../errors/smgr-error.js';
import type { LeaseSettings } from '../management-group/lease-settings.js';
import {
  claimLease,
  failoverLease,
  type LeaseState,
  readLease,
  releaseLease,
  renewLease,
  type Tenure,
} from '../management-group/workflow-lease.js';

export class LeaseKeeper {
  /** This server process; a tenure is claimed for exactly one instance. */
  readonly instance = randomUUID();
  private held: Tenure | undefined;
  private observedHolder: string | null = null;
  private lastNote = '';
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly log: Logger;

  constructor(
    private readonly db: Database,
    private readonly computerName: string,
    private readonly settings: LeaseSettings,
    logger: Logger,
  ) {
    this.log = logger.child({ component: 'workflow-lease' });
  }

  /** The tenure this server holds now, if any. */
  get tenure(): Tenure | undefined {
    return this.held;
  }

  /** What the database says this server is, as of the last check: the designated holder is `workflow`. */
  get role(): 'workflow' | 'secondary' {
    return this.observedHolder === this.computerName ? 'workflow' : 'secondary';
  }

  /** Checks the lease once (so the role is known before serving), then every renew interval. */
  async start(): Promise<void> {
    await this.runTick();
    this.schedule();
  }

  /** Checks the lease now (after a promotion made through this server). */
  poke(): Promise<void> {
    clearTimeout(this.timer);
    return this.runTick().finally(() => this.schedule());
  }

  /** Stops checking; with `release`, ends this server's tenure now (clean stop: workflows stopped first). */
  async stop(release: boolean): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
    const t = this.held;
    this.held = undefined;
    if (release && t) {
      await releaseLease(this.db, t, this.settings.lockTimeoutMs).catch((e: unknown) =>
        this.log.warn({ reason: code(e) }, 'could not release the workflow lease; it expires by itself'),
      );
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.runTick().finally(() => this.schedule());
    }, this.settings.renewMs);
  }

  private runTick(): Promise<void> {
    this.ticking = this.ticking.then(() =>
      this.stopped
        ? undefined
        : this.tick().catch((e: unknown) =>
            this.log.warn({ reason: code(e) }, 'workflow lease check failed'),
          ),
    );
    return this.ticking;
  }

  private async tick(): Promise<void> {
    const s = this.settings;
    if (this.held) {
      if (await renewLease(this.db, this.held, s.leaseMs, s.lockTimeoutMs)) return;
      const lost = this.held;
      this.held = undefined;
      const now = await readLease(this.db);
      this.observedHolder = now.holder;
      this.log.warn(
        { token: lost.token, holder: now.holder, currentToken: now.token },
        now.holder === this.computerName
          ? `the workflow lease (token ${lost.token}) lapsed before it was renewed`
          : `lost the workflow lease (token ${lost.token}) to ${now.holder} (token ${now.token}): this server now runs as a secondary`,
      );
    }
    const lease = await readLease(this.db, s.graceMs);
    this.observedHolder = lease.holder;
    let t: Tenure | undefined;
    if (lease.holder === this.computerName) {
      t = await claimLease(this.db, this.computerName, this.instance, s.leaseMs, s.lockTimeoutMs);
      if (!t) {
        this.note(
          `other-${lease.token}`,
          `another process of computer ${this.computerName} holds the workflow lease (token ${lease.token}) until ${iso(lease)}; waiting for it to expire`,
        );
      }
    } else if (s.failover === 'automatic' && lease.expiredBeyondGrace) {
      t = await failoverLease(
        this.db,
        this.computerName,
        this.instance,
        s.leaseMs,
        s.graceMs,
        s.lockTimeoutMs,
      );
      if (t)
        this.log.warn(
          { token: t.token, previous: lease.holder },
          'automatic failover: took the expired workflow lease',
        );
    }
    if (t) {
      this.held = t;
      this.observedHolder = t.holder;
      this.note(
        `held-${t.token}`,
        `this server is the workflow server (token ${t.token}) and runs the workflows`,
      );
      return;
    }
    if (lease.holder === this.computerName) return;
    if (lease.holder === null) {
      this.note('none', 'no server holds the workflow lease: promote one with smgr promote COMPUTER');
    } else if (lease.expired && s.failover === 'manual') {
      this.note(
        `expired-${lease.token}`,
        `the workflow lease of ${lease.holder} (token ${lease.token}) has expired: start ${lease.holder}, or promote a secondary with smgr promote COMPUTER; this server runs as a secondary`,
      );
    } else {
      this.note(
        `secondary-${lease.holder}-${lease.token}`,
        `the workflow lease is held by ${lease.holder} (token ${lease.token}): this server runs as a secondary`,
      );
    }
  }

  /** Logs a state once, when it is new. */
  private note(key: string, message: string): void {
    if (key === this.lastNote) return;
    this.lastNote = key;
    this.log.info({ role: this.role }, message);
  }
}

const iso = (l: LeaseState) => l.expiresAt?.toISOString() ?? 'unknown';
const code = (e: unknown) => (isSmgrError(e) ? e.code : ((e as { code?: string }).code ?? 'error'));
