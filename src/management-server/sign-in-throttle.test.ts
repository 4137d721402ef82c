/**
 * Sign-in rate limiting on both engines: per user name (known or not, the
 * same) and per address; 429 SIGN_IN_THROTTLED with Retry-After even for the
 * right password; a block that ends by itself; at most `limit` attempts
 * checked however many arrive at once; failures and blocks audited; an
 * unknown user and a wrong password take the same time (both verify a
 * scrypt hash).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { type ApiFixture, expectError, openApiFixture } from '../../test/support/api-fixture.js';
import { ENGINES } from '../../test/support/engines.js';
import { dumpDatabase } from '../../test/support/snapshot.js';
import { hashPassword, verifyPassword } from '../keys/password-hash.js';
import { buildApp } from './build-app.js';

/** Blocks that outlast a test's steps however loaded the machine (a test that waits one out shortens it). */
const LIMITS = {
  user: { limit: 3, windowS: 600, blockS: 60, maxBlockS: 120 },
  address: { limit: 8, windowS: 600, blockS: 60, maxBlockS: 120 },
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const makeEngine of ENGINES) {
  describe(`sign-in rate limit (${makeEngine().name})`, () => {
    let fx: ApiFixture;
    before(async () => {
      fx = await openApiFixture(makeEngine, { limits: { signIn: LIMITS } });
    });
    after(() => fx.close());

    const signIn = (username: string, password: string, remoteAddress = '192.0.2.1') =>
      fx.app.inject({
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { username, password },
        remoteAddress,
      });

    const throttled = (res: LightMyRequestResponse) => {
      const message = expectError(res, 429, 'SIGN_IN_THROTTLED');
      const retry = Number(res.headers['retry-after']);
      assert.ok(retry >= 1 && retry <= 60, `Retry-After ${res.headers['retry-after']}`);
      assert.match(res.json<{ remedy: string }>().remedy, new RegExp(`Try again in ${retry} s`));
      return message;
    };

    it('blocks a user name after `limit` failures, even for the right password, then lets it in again', async () => {
      for (let i = 0; i < 3; i++) expectError(await signIn(fx.username, `wrong ${i}`), 401, 'UNAUTHORIZED');
      const before = await dumpDatabase(fx.db);
      throttled(await signIn(fx.username, fx.password));
      throttled(await signIn(fx.username, fx.password, '198.51.100.7'));
      assert.equal(await dumpDatabase(fx.db), before, 'a refused attempt is not even counted');
      const audit = await fx.db.query<{ action: string; details: { scope?: string; reason?: string } }>(
        `SELECT action, details FROM audit_log WHERE target = $1 ORDER BY id`,
        [fx.username],
      );
      assert.deepEqual(
        audit.rows.map((r) => [r.action, r.details.reason ?? r.details.scope]),
        [
          ['session.sign-in-failed', 'wrong-password'],
          ['session.sign-in-failed', 'wrong-password'],
          ['session.sign-in-failed', 'wrong-password'],
          ['session.sign-in-blocked', 'user'],
        ],
      );
      // As if the minute had passed: the block ends a second from now.
      await fx.db.query(
        `UPDATE sign_in_throttle SET blocked_until = clock_timestamp() + interval '1 second' WHERE key = $1`,
        [fx.username],
      );
      const deadline = Date.now() + 30_000;
      let res = await signIn(fx.username, fx.password);
      while (res.statusCode === 429 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        res = await signIn(fx.username, fx.password);
      }
      assert.equal(res.statusCode, 201, res.body);
      const rows = await fx.db.query(`SELECT 1 FROM sign_in_throttle WHERE scope = 'user' AND key = $1`, [
        fx.username,
      ]);
      assert.equal(rows.rowCount, 0, 'a successful sign-in forgets the failures');
    });

    it('an unknown user name is blocked exactly like a known one', async () => {
      for (let i = 0; i < 3; i++) expectError(await signIn('ghost', 'x', '203.0.113.9'), 401, 'UNAUTHORIZED');
      const a = await signIn('ghost', 'x', '203.0.113.9');
      for (let i = 0; i < 3; i++) {
        expectError(await signIn(fx.username, `wrong ${i}`, '203.0.113.10'), 401, 'UNAUTHORIZED');
      }
      const b = await signIn(fx.username, 'x', '203.0.113.10');
      assert.equal(throttled(a), throttled(b));
      assert.deepEqual(Object.keys(a.headers).sort(), Object.keys(b.headers).sort());
      await fx.db.query('DELETE FROM sign_in_throttle');
    });

    it('blocks an address after `limit` failures whatever the user names; other addresses go on', async () => {
      for (let i = 0; i < 8; i++) expectError(await signIn(`user${i}`, 'x', '10.9.9.9'), 401, 'UNAUTHORIZED');
      throttled(await signIn('someone-new', 'x', '10.9.9.9'));
      throttled(await signIn(fx.username, fx.password, '10.9.9.9'));
      assert.equal((await signIn(fx.username, fx.password, '10.9.9.10')).statusCode, 201);
      const blocked = await fx.db.query<{ action: string }>(
        `SELECT action FROM audit_log WHERE action = 'session.sign-in-blocked' AND details->>'scope' = 'address'`,
      );
      assert.equal(blocked.rowCount, 1);
      await fx.db.query('DELETE FROM sign_in_throttle');
    });

    it("behind a trusted proxy (the portal), the client's address is counted, not the proxy's", async () => {
      const behind = await buildApp({
        ...fx.ctx,
        limits: { signIn: LIMITS, http: { trustedProxies: ['127.0.0.1'] } },
      });
      try {
        const via = (client: string) =>
          behind.inject({
            method: 'POST',
            url: '/api/v1/sessions',
            payload: { username: `someone-${client}`, password: 'x' },
            remoteAddress: '127.0.0.1',
            headers: { 'x-forwarded-for': client },
          });
        for (let i = 0; i < 8; i++) expectError(await via(`10.8.0.${i}`), 401, 'UNAUTHORIZED');
        const counted = await fx.db.query<{ key: string }>(
          `SELECT key FROM sign_in_throttle WHERE scope = 'address' ORDER BY key`,
        );
        assert.deepEqual(
          counted.rows.map((r) => r.key),
          Array.from({ length: 8 }, (_, i) => `10.8.0.${i}`),
        );
        // Without trust, a forged header changes nothing: the socket's address is counted.
        expectError(
          await fx.app.inject({
            method: 'POST',
            url: '/api/v1/sessions',
            payload: { username: 'other', password: 'x' },
            remoteAddress: '192.0.2.99',
            headers: { 'x-forwarded-for': '10.8.0.200' },
          }),
          401,
          'UNAUTHORIZED',
        );
        const forged = await fx.db.query(`SELECT 1 FROM sign_in_throttle WHERE key = '192.0.2.99'`);
        assert.equal(forged.rowCount, 1);
      } finally {
        await behind.close();
        await fx.db.query('DELETE FROM sign_in_throttle');
      }
    });

    it('however many attempts arrive at once, only `limit` of them are checked', async () => {
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) => signIn('parallel', `guess ${i}`, `10.7.0.${i + 1}`)),
      );
      const statuses = answers.map((r) => r.statusCode).sort();
      assert.deepEqual(statuses, [...Array(3).fill(401), ...Array(9).fill(429)]);
      await fx.db.query('DELETE FROM sign_in_throttle');
    });

    it('a right password in between forgets the failures of the user', async () => {
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 2; i++)
          expectError(await signIn(fx.username, 'nope', '10.3.3.3'), 401, 'UNAUTHORIZED');
        assert.equal((await signIn(fx.username, fx.password, '10.3.3.3')).statusCode, 201);
      }
      await fx.db.query('DELETE FROM sign_in_throttle');
    });

    it('an unknown user and a wrong password take the same time: both verify a scrypt hash', async () => {
      const hash = await hashPassword('some password');
      // Interleaved, so that a machine whose load changes during the test slows all three alike.
      const scrypt: number[] = [];
      const unknown: number[] = [];
      const wrong: number[] = [];
      for (let i = 0; i < 9; i++) {
        let t = performance.now();
        await verifyPassword('other', hash);
        scrypt.push(performance.now() - t);
        await fx.db.query('DELETE FROM sign_in_throttle');
        t = performance.now();
        expectError(await signIn('nobody-here', 'x', '10.4.4.4'), 401, 'UNAUTHORIZED');
        unknown.push(performance.now() - t);
        t = performance.now();
        expectError(await signIn(fx.username, 'x', '10.4.4.5'), 401, 'UNAUTHORIZED');
        wrong.push(performance.now() - t);
      }
      await fx.db.query('DELETE FROM sign_in_throttle');
      const [u, w, s] = [median(unknown), median(wrong), median(scrypt)];
      assert.ok(u >= s / 2, `an unknown user's answer (${u} ms) does not wait for scrypt (${s} ms)`);
      assert.ok(u / w < 3 && w / u < 3, `unknown user ${u} ms, wrong password ${w} ms`);
    });
  });
}
