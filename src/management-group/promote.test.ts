/**
 * promote() on both engines: every refusal names its cause and changes
 * nothing in the database; a promote after expiry; --force fences a live
 * holder (its renewal and its fenced writes are refused).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { ENGINES } from '../../test/support/engines.js';
import { FAST, leaseEvents, openGroup, roles, untilExpired } from '../../test/support/lease.js';
import { dumpDatabase } from '../../test/support/snapshot.js';
import type { Database } from '../db/database.js';
import { isSmgrError, type SmgrError } from '../errors/smgr-error.js';
import { fenced } from './fence.js';
import { promote } from './promote.js';
import { registerComputer } from './registration.js';
import { claimLease, readLease, renewLease } from './workflow-lease.js';

const refusal =
  (code: string, message: RegExp, remedy?: RegExp) =>
  (e: unknown): boolean => {
    assert.ok(isSmgrError(e), String(e));
    const err = e as SmgrError;
    assert.equal(err.code, code);
    assert.match(err.message, message);
    if (remedy) assert.match(err.remedy, remedy);
    return true;
  };

const settings = { ...FAST, leaseMs: 60_000 };

async function refusedUnchanged(db: Database, p: () => Promise<unknown>, check: (e: unknown) => boolean) {
  const before = await dumpDatabase(db);
  await assert.rejects(p(), check);
  assert.equal(await dumpDatabase(db), before, 'the refusal changed nothing');
}

for (const makeFixture of ENGINES) {
  const fx = makeFixture();
  describe(`smgr promote, domain (${fx.name})`, () => {
    after(() => fx.cleanup());

    test('refused while the holder is live, naming holder, token and expiry; nothing changed', async () => {
      const { db } = await openGroup(fx, 60_000);
      try {
        await claimLease(db, 'ms01', randomUUID(), 60_000, FAST.lockTimeoutMs);
        const lease = await readLease(db);
        await refusedUnchanged(
          db,
          () => promote(db, { computer: 'ms02', actor: 'promote@ms03', settings }),
          refusal(
            'LEASE_HELD',
            new RegExp(
              `^Management server "ms01" holds a live workflow lease \\(token 1, expires ${lease.expiresAt!.toISOString().replace(/\./g, '\\.')}\\)\\.$`,
            ),
            /wait until its lease expires.*pass --force to fence it/,
          ),
        );
      } finally {
        await db.close();
      }
    });

    test('refused for a computer that is not a management server of the group; nothing changed', async () => {
      const { db } = await openGroup(fx);
      try {
        await registerComputer(db, 'portal1', 'portal', 'portal');
        for (const name of ['ms99', 'portal1']) {
          await refusedUnchanged(
            db,
            () => promote(db, { computer: name.toUpperCase(), actor: 't', settings }),
            refusal(
              'PROMOTE_UNKNOWN_SERVER',
              new RegExp(`^No management server "${name}" is registered in management group "Contoso"\\.$`),
              /registered management servers \(ms01, ms02, ms03\)/,
            ),
          );
        }
        await refusedUnchanged(
          db,
          () => promote(db, { computer: 'not a name!', actor: 't', settings }),
          refusal('INVALID_COMPUTER_NAME', /not valid/),
        );
      } finally {
        await db.close();
      }
    });

    test('refused for the current holder, even with --force; nothing changed', async () => {
      const { db } = await openGroup(fx);
      try {
        for (const force of [false, true]) {
          await refusedUnchanged(
            db,
            () => promote(db, { computer: 'ms01', force, actor: 't', settings }),
            refusal(
              'PROMOTE_ALREADY_HOLDER',
              /^Management server "ms01" is already the workflow server \(token 1\)\.$/,
            ),
          );
        }
      } finally {
        await db.close();
      }
    });

    test('after the lease expired: next token, roles, history, audit; the new holder claims it', async () => {
      const { db } = await openGroup(fx);
      try {
        const old = (await claimLease(db, 'ms01', randomUUID(), FAST.leaseMs, FAST.lockTimeoutMs))!;
        await untilExpired(db);
        const r = await promote(db, { computer: 'ms02', actor: 'promote@ms03', settings });
        assert.equal(r.holder, 'ms02');
        assert.equal(r.token, 2);
        assert.equal(r.previousHolder, 'ms01');
        assert.equal(r.fenced, false);
        assert.deepEqual(await roles(db), { ms01: 'secondary', ms02: 'workflow', ms03: 'secondary' });
        assert.deepEqual((await leaseEvents(db)).at(-1), ['promote', 'ms02', 2]);
        const audit = await db.query<{ actor: string; target: string }>(
          `SELECT actor, target FROM audit_log WHERE action = 'workflow-lease.promoted'`,
        );
        assert.deepEqual(audit.rows, [{ actor: 'promote@ms03', target: 'ms02' }]);
        assert.equal(await claimLease(db, 'ms01', randomUUID(), FAST.leaseMs, FAST.lockTimeoutMs), undefined);
        const t = (await claimLease(db, 'ms02', randomUUID(), FAST.leaseMs, FAST.lockTimeoutMs))!;
        assert.equal(t.token, 2, 'claiming the promoted lease keeps its token');
        assert.equal(await renewLease(db, old, FAST.leaseMs, FAST.lockTimeoutMs), false);
      } finally {
        await db.close();
      }
    });

    if (fx.name === 'server') {
      test('a lease row held by a fenced transaction that does not finish: LEASE_BUSY; nothing changed', async () => {
        const { db } = await openGroup(fx, 60_000);
        try {
          const t = (await claimLease(db, 'ms01', randomUUID(), 60_000, FAST.lockTimeoutMs))!;
          let release!: () => void;
          const gate = new Promise<void>((r) => {
            release = r;
          });
          let inside!: () => void;
          const entered = new Promise<void>((r) => {
            inside = r;
          });
          const holding = fenced(db, t, 10_000, async () => {
            inside();
            await gate;
          });
          await entered;
          try {
            await refusedUnchanged(
              db,
              () =>
                promote(db, {
                  computer: 'ms02',
                  force: true,
                  actor: 't',
                  settings: { leaseMs: 60_000, lockTimeoutMs: 200 },
                }),
              refusal(
                'LEASE_BUSY',
                /^The workflow lease is locked by a transaction that did not finish within 200 ms\.$/,
                /Try again/,
              ),
            );
          } finally {
            release();
            await holding;
          }
        } finally {
          await db.close();
        }
      });
    }

    test('--force fences a live holder: its renewal and its workflow writes are refused', async () => {
      const { db } = await openGroup(fx, 60_000);
      try {
        const old = (await claimLease(db, 'ms01', randomUUID(), 60_000, FAST.lockTimeoutMs))!;
        const r = await promote(db, { computer: 'ms03', force: true, actor: 'promote@ms03', settings });
        assert.equal(r.fenced, true);
        assert.equal(r.token, old.token + 1);
        assert.deepEqual((await leaseEvents(db)).at(-1), ['promote-forced', 'ms03', old.token + 1]);
        assert.equal(await renewLease(db, old, 60_000, FAST.lockTimeoutMs), false);
        await assert.rejects(
          fenced(db, old, FAST.fenceIdleMs, async (tx) => {
            await tx.query(`INSERT INTO audit_log (actor, action) VALUES ('old', 'should-not-exist')`);
          }),
          refusal('LEASE_LOST', /no longer holds the workflow lease \(token 1\)/),
        );
        const n = await db.query(`SELECT 1 FROM audit_log WHERE action = 'should-not-exist'`);
        assert.equal(n.rowCount, 0);
        assert.deepEqual(await roles(db), { ms01: 'secondary', ms02: 'secondary', ms03: 'workflow' });
      } finally {
        await db.close();
      }
    });
  });
}
