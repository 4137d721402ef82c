/** The workflow lease row on both engines: claim, renew, reclaim, release, failover, upgrade from schema 2. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { ENGINES } from '../../test/support/engines.js';
import { FAST, lapse, leaseEvents, openGroup, roles, sleep, untilExpired } from '../../test/support/lease.js';
import { latestVersion, migrate } from '../db/migrate.js';
import { serviceManagerMigrations } from '../db/migrations/service-manager.js';
import { registerComputer } from './registration.js';
import {
  claimLease,
  failoverLease,
  readLease,
  releaseLease,
  renewLease,
  type Tenure,
} from './workflow-lease.js';

const { lockTimeoutMs } = FAST;
/** Tenures in these tests outlive any stall of a loaded machine; expiry is brought on by lapse(). */
const leaseMs = 60_000;

for (const makeFixture of ENGINES) {
  const fx = makeFixture();
  describe(`workflow lease (${fx.name})`, () => {
    after(() => fx.cleanup());

    test('setup: the first server holds token 1, not yet claimed; its first claim keeps the token', async () => {
      const { db } = await openGroup(fx);
      try {
        const before = await readLease(db);
        assert.equal(before.holder, 'ms01');
        assert.equal(before.token, 1);
        assert.equal(before.instance, null);
        assert.equal(await claimLease(db, 'ms02', randomUUID(), leaseMs, lockTimeoutMs), undefined);
        const me = randomUUID();
        const t = await claimLease(db, 'ms01', me, leaseMs, lockTimeoutMs);
        assert.deepEqual(t, { holder: 'ms01', token: 1, instance: me });
        const after = await readLease(db);
        assert.equal(after.instance, me);
        assert.equal(after.expired, false);
        assert.deepEqual(await leaseEvents(db), [
          ['setup', 'ms01', 1],
          ['claim', 'ms01', 1],
        ]);
        assert.deepEqual(await roles(db), { ms01: 'workflow', ms02: 'secondary', ms03: 'secondary' });
      } finally {
        await db.close();
      }
    });

    test('renew extends a live tenure of the current token only', async () => {
      const { db } = await openGroup(fx);
      try {
        const t = (await claimLease(db, 'ms01', randomUUID(), leaseMs, lockTimeoutMs))!;
        const first = (await readLease(db)).expiresAt!;
        await sleep(5); // so the database clock has moved on (load only lengthens this)
        assert.equal(await renewLease(db, t, leaseMs, lockTimeoutMs), true);
        assert.ok((await readLease(db)).expiresAt! > first, 'the expiry moved on');
        const wrong: Tenure = { ...t, token: t.token + 1 };
        assert.equal(await renewLease(db, wrong, leaseMs, lockTimeoutMs), false);
        assert.equal(await renewLease(db, { ...t, instance: randomUUID() }, leaseMs, lockTimeoutMs), false);
        await lapse(db, t);
        assert.equal(
          await renewLease(db, t, leaseMs, lockTimeoutMs),
          false,
          'an expired tenure is not renewed',
        );
      } finally {
        await db.close();
      }
    });

    test('another process of the same computer waits for expiry, then reclaims with the next token', async () => {
      const { db } = await openGroup(fx);
      try {
        const first = (await claimLease(db, 'ms01', randomUUID(), leaseMs, lockTimeoutMs))!;
        const second = randomUUID();
        assert.equal(await claimLease(db, 'ms01', second, leaseMs, lockTimeoutMs), undefined, 'live: wait');
        await lapse(db, first);
        const t = (await claimLease(db, 'ms01', second, leaseMs, lockTimeoutMs))!;
        assert.equal(t.token, first.token + 1);
        assert.equal(await renewLease(db, first, leaseMs, lockTimeoutMs), false, 'the old tenure is over');
        assert.deepEqual((await leaseEvents(db)).at(-1), ['reclaim', 'ms01', 2]);
      } finally {
        await db.close();
      }
    });

    test('release ends the tenure now; the next start reclaims at once with a new token', async () => {
      const { db } = await openGroup(fx, 60_000);
      try {
        const t = (await claimLease(db, 'ms01', randomUUID(), 60_000, lockTimeoutMs))!;
        assert.equal(await releaseLease(db, t, lockTimeoutMs), true);
        const lease = await readLease(db);
        assert.equal(lease.holder, 'ms01', 'the holder stays designated');
        assert.equal(lease.expired, true);
        const next = (await claimLease(db, 'ms01', randomUUID(), 60_000, lockTimeoutMs))!;
        assert.equal(next.token, t.token + 1);
        assert.equal(await releaseLease(db, t, lockTimeoutMs), false, 'an old tenure releases nothing');
      } finally {
        await db.close();
      }
    });

    test('automatic failover only after expiry and grace; next token; roles follow', async () => {
      const { db } = await openGroup(fx);
      try {
        const held = (await claimLease(db, 'ms01', randomUUID(), leaseMs, lockTimeoutMs))!;
        const { graceMs } = FAST;
        const ms02 = randomUUID();
        assert.equal(await failoverLease(db, 'ms02', ms02, leaseMs, graceMs, lockTimeoutMs), undefined);
        await lapse(db, held);
        assert.equal(
          await failoverLease(db, 'ms02', ms02, leaseMs, 60_000, lockTimeoutMs),
          undefined,
          'expired, but within the grace period',
        );
        await untilExpired(db, graceMs);
        const t = (await failoverLease(db, 'ms02', ms02, leaseMs, graceMs, lockTimeoutMs))!;
        assert.deepEqual(t, { holder: 'ms02', token: held.token + 1, instance: ms02 });
        assert.deepEqual(await roles(db), { ms01: 'secondary', ms02: 'workflow', ms03: 'secondary' });
        assert.equal(await renewLease(db, held, leaseMs, lockTimeoutMs), false);
        assert.equal(await claimLease(db, 'ms01', randomUUID(), leaseMs, lockTimeoutMs), undefined);
        const history = await db.query<{ previous_holder: string; previous_token: number }>(
          `SELECT previous_holder, previous_token FROM workflow_lease_history WHERE event = 'failover'`,
        );
        assert.deepEqual(history.rows, [{ previous_holder: 'ms01', previous_token: held.token }]);
      } finally {
        await db.close();
      }
    });

    test('a group from schema 2: the workflow server of the role column becomes holder of token 1, once', async () => {
      const db = await fx.open(await fx.newDatabaseUrl());
      try {
        await migrate(db, serviceManagerMigrations, 2);
        await db.query(`INSERT INTO management_group (id, name) VALUES ($1, 'Old')`, [randomUUID()]);
        await registerComputer(db, 'ms07', 'management-server', 'workflow');
        await registerComputer(db, 'ms08', 'management-server', 'secondary');
        assert.equal(await migrate(db, serviceManagerMigrations), latestVersion(serviceManagerMigrations));
        const derived = await readLease(db);
        assert.deepEqual([derived.holder, derived.token, derived.expired], ['ms07', 1, true]);
        const rows = await db.query('SELECT * FROM workflow_lease');
        assert.equal(rows.rowCount, 0, 'reading writes nothing');
        assert.equal(await claimLease(db, 'ms08', randomUUID(), leaseMs, lockTimeoutMs), undefined);
        const t = (await claimLease(db, 'ms07', randomUUID(), leaseMs, lockTimeoutMs))!;
        assert.equal(t.token, 1);
        assert.deepEqual(await leaseEvents(db), [
          ['upgrade', 'ms07', 1],
          ['claim', 'ms07', 1],
        ]);
      } finally {
        await db.close();
      }
    });
  });
}
