/**
 * The lease keeper on both engines: claims at start, renews, says what it
 * is; a server fenced by a forced promote says it now runs as a secondary;
 * automatic failover after expiry and grace; a clean stop lets the same
 * computer take the lease again at once, with a new token.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ENGINES } from '../../test/support/engines.js';
import { eventually } from '../../test/support/eventually.js';
import { FAST, lapse, openGroup } from '../../test/support/lease.js';
import { captureLogger } from '../../test/support/workflows.js';
import type { Database } from '../db/database.js';
import type { LeaseSettings } from '../management-group/lease-settings.js';
import { promote } from '../management-group/promote.js';
import { readLease } from '../management-group/workflow-lease.js';
import { LeaseKeeper } from './lease-keeper.js';

function keeper(db: Database, name: string, settings: LeaseSettings = FAST) {
  const log = captureLogger();
  const k = new LeaseKeeper(db, name, settings, log.logger);
  const messages = () => log.lines().map((l) => String(l.msg));
  return { k, messages };
}

const tokenOf = (k: LeaseKeeper): number | undefined => k.tenure?.token;

/**
 * Leases here outlast any stall of a loaded machine (renewals every 50 ms
 * keep a 60 s tenure), so nothing lapses unless a test makes it: the tests
 * wait for what happens, never for a length of time.
 */
const STEADY: LeaseSettings = { ...FAST, leaseMs: 60_000, renewMs: 50 };

for (const makeFixture of ENGINES) {
  const fx = makeFixture();
  describe(`lease keeper (${fx.name})`, () => {
    after(() => fx.cleanup());

    test('claims at start and renews; a server fenced by a forced promote says it runs as a secondary', async () => {
      const { db } = await openGroup(fx, STEADY.leaseMs);
      const a = keeper(db, 'ms01', STEADY);
      const b = keeper(db, 'ms02', STEADY);
      try {
        await a.k.start();
        await b.k.start();
        assert.equal(tokenOf(a.k), 1);
        assert.equal(a.k.role, 'workflow');
        assert.ok(tokenOf(b.k) === undefined);
        assert.equal(b.k.role, 'secondary');
        assert.ok(
          a.messages().includes('this server is the workflow server (token 1) and runs the workflows'),
        );
        assert.ok(
          b
            .messages()
            .includes('the workflow lease is held by ms01 (token 1): this server runs as a secondary'),
        );
        const claimed = (await readLease(db)).expiresAt!;
        await eventually('a renewal', async () => (await readLease(db)).expiresAt! > claimed);
        assert.equal(tokenOf(a.k), 1, 'a renewal keeps the token');

        await promote(db, { computer: 'ms02', force: true, actor: 't', settings: STEADY });
        await b.k.poke();
        await a.k.poke();
        assert.equal(tokenOf(b.k), 2);
        assert.equal(b.k.role, 'workflow');
        assert.equal(tokenOf(a.k), undefined);
        assert.equal(a.k.role, 'secondary');
        assert.ok(
          a
            .messages()
            .includes(
              'lost the workflow lease (token 1) to ms02 (token 2): this server now runs as a secondary',
            ),
          a.messages().join('\n'),
        );
      } finally {
        await a.k.stop(false);
        await b.k.stop(false);
        await db.close();
      }
    });

    test('automatic failover: a secondary takes the lease once it expired for the grace period', async () => {
      const { db } = await openGroup(fx, STEADY.leaseMs);
      const a = keeper(db, 'ms01', STEADY);
      const automatic = { ...STEADY, failover: 'automatic' as const, graceMs: 300 };
      const c = keeper(db, 'ms03', automatic);
      const manual = keeper(db, 'ms02', STEADY);
      try {
        await a.k.start();
        await manual.k.start();
        await c.k.start();
        const held = a.k.tenure!;
        const claimed = (await readLease(db)).expiresAt!;
        await eventually('a renewal', async () => (await readLease(db)).expiresAt! > claimed);
        await c.k.poke();
        assert.ok(tokenOf(c.k) === undefined, 'no failover while the holder renews');

        await a.k.stop(false); // a crash: no release, no more renewals
        await lapse(db, held); // its last renewal was a short one: the lease expires now
        await eventually('the failover', () => c.k.tenure);
        assert.equal(tokenOf(c.k), held.token + 1);
        assert.equal(tokenOf(manual.k), undefined, 'manual failover never takes it');
        assert.ok(c.messages().includes('automatic failover: took the expired workflow lease'));
        const f = await db.query<{ at: Date; previous_expires_at: Date }>(
          `SELECT at, previous_expires_at FROM workflow_lease_history WHERE event = 'failover'`,
        );
        assert.equal(f.rowCount, 1);
        const waited = f.rows[0]!.at.getTime() - f.rows[0]!.previous_expires_at.getTime();
        assert.ok(waited >= automatic.graceMs, `failover ${waited} ms after expiry, before the grace period`);
      } finally {
        await a.k.stop(false);
        await c.k.stop(false);
        await manual.k.stop(false);
        await db.close();
      }
    });

    test('a clean stop releases the tenure; the next start of that computer claims at once, new token', async () => {
      const { db } = await openGroup(fx, 60_000);
      const settings = { ...FAST, leaseMs: 60_000, renewMs: 10_000 };
      try {
        const first = keeper(db, 'ms01', settings);
        await first.k.start();
        assert.equal(tokenOf(first.k), 1);
        await first.k.stop(true);
        const again = keeper(db, 'ms01', settings);
        await again.k.start();
        assert.equal(tokenOf(again.k), 2);
        const other = keeper(db, 'ms01', settings);
        await other.k.start();
        assert.equal(tokenOf(other.k), undefined, 'a live tenure of another process is not taken');
        assert.match(
          other.messages().join('\n'),
          /another process of computer ms01 holds the workflow lease/,
        );
        await again.k.stop(true);
        await other.k.stop(false);
      } finally {
        await db.close();
      }
    });
  });
}
