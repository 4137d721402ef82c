/**
 * GET /health, POST /api/v1/sessions and bearer-token authentication, on
 * both engines: sign-in works, a wrong password and an unknown user get the
 * same 401, every /api/v1 route refuses a request without a live token (and
 * changes nothing), and no token reaches a log line.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApiFixture, countRows, expectError, openApiFixture } from '../../test/support/api-fixture.js';
import { ENGINES } from '../../test/support/engines.js';
import { hashToken } from './session-store.js';

const SOME_ID = '1';
const SOME_UUID = '0b0c6c2e-4a4e-4f51-9d3e-8c1a0f2f0d11';

/** Every authenticated route, with a body where the route takes one. */
const PROTECTED_ROUTES: Array<{
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: string;
  payload?: object;
}> = [
  { method: 'GET', url: '/api/v1/sessions/current' },
  { method: 'GET', url: '/api/v1/users' },
  {
    method: 'POST',
    url: '/api/v1/users',
    payload: { username: 'u', role: 'analyst', password: 'p'.repeat(8) },
  },
  { method: 'GET', url: '/api/v1/users/admin' },
  { method: 'PATCH', url: '/api/v1/users/admin', payload: { displayName: 'x' } },
  { method: 'PUT', url: '/api/v1/users/admin/password', payload: { password: 'p'.repeat(8) } },
  { method: 'GET', url: `/api/v1/work-items/IR${SOME_ID}` },
  { method: 'GET', url: `/api/v1/work-items/${SOME_ID}/comments` },
  { method: 'POST', url: `/api/v1/work-items/${SOME_ID}/comments`, payload: { body: 'hi' } },
  { method: 'GET', url: `/api/v1/work-items/${SOME_ID}/history` },
  { method: 'GET', url: `/api/v1/work-items/${SOME_ID}/approvals` },
  {
    method: 'POST',
    url: `/api/v1/work-items/${SOME_ID}/approvals`,
    payload: { approver: 'admin', title: 'ok?' },
  },
  { method: 'GET', url: '/api/v1/approvals' },
  { method: 'GET', url: `/api/v1/approvals/${SOME_ID}` },
  { method: 'POST', url: `/api/v1/approvals/${SOME_ID}/decision`, payload: { decision: 'approved' } },
  { method: 'GET', url: '/api/v1/work-items' },
  { method: 'POST', url: '/api/v1/work-items', payload: { class: 'incident', title: 'x' } },
  { method: 'GET', url: `/api/v1/work-items/${SOME_ID}` },
  { method: 'PATCH', url: `/api/v1/work-items/${SOME_ID}`, payload: { title: 'y' } },
  { method: 'GET', url: '/api/v1/config-items' },
  { method: 'POST', url: '/api/v1/config-items', payload: { class: 'computer', name: 'pc' } },
  { method: 'GET', url: `/api/v1/config-items/${SOME_ID}` },
  { method: 'PATCH', url: `/api/v1/config-items/${SOME_ID}`, payload: { name: 'pc2' } },
  { method: 'GET', url: '/api/v1/run-as-accounts' },
  { method: 'POST', url: '/api/v1/run-as-accounts', payload: { name: 'n', username: 'u', password: 'p' } },
  { method: 'GET', url: `/api/v1/run-as-accounts/${SOME_UUID}` },
  { method: 'POST', url: `/api/v1/run-as-accounts/${SOME_UUID}/verify`, payload: { password: 'p' } },
  // Last: with a live token it signs out.
  { method: 'DELETE', url: '/api/v1/sessions/current' },
];

for (const makeEngine of ENGINES) {
  describe(`health, sessions and auth (${makeEngine().name})`, () => {
    let fx: ApiFixture;
    const tokens: string[] = [];
    before(async () => {
      fx = await openApiFixture(makeEngine);
    });
    after(() => fx.close());

    it('GET /health answers who this server is, without a token', async () => {
      const res = await fx.app.inject({ method: 'GET', url: '/health' });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), {
        status: 'ok',
        managementGroup: 'Test Group',
        computerName: 'ms-test-1',
        role: 'workflow',
      });
    });

    it('signs in with the right password: 201 with a token and its expiry; only its hash is stored', async () => {
      const sent = Date.now();
      const res = await fx.app.inject({
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { username: fx.username, password: fx.password },
      });
      assert.equal(res.statusCode, 201, res.body);
      const { token, expiresAt } = res.json<{ token: string; expiresAt: string }>();
      tokens.push(token);
      assert.match(token, /^[A-Za-z0-9_-]{43}$/);
      const answered = Date.now();
      const ttl = 12 * 3_600_000;
      const expires = Date.parse(expiresAt);
      assert.ok(expires >= sent + ttl && expires <= answered + ttl, `12 hours after sign-in: ${expiresAt}`);
      const stored = await fx.db.query<{ token_hash: Buffer }>('SELECT token_hash FROM api_tokens');
      assert.ok(stored.rows.some((r) => r.token_hash.equals(hashToken(token))));
      assert.ok(stored.rows.every((r) => !r.token_hash.toString('latin1').includes(token)));
    });

    it('a wrong password and an unknown user get the same 401; both are audited, nothing else changes', async () => {
      const counts = await countRows(fx.db);
      const wrong = await fx.app.inject({
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { username: fx.username, password: 'not the password' },
      });
      const unknown = await fx.app.inject({
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { username: 'nobody', password: fx.password },
      });
      const m1 = expectError(wrong, 401, 'UNAUTHORIZED');
      const m2 = expectError(unknown, 401, 'UNAUTHORIZED');
      assert.equal(m1, m2);
      assert.equal(wrong.body, unknown.body);
      assert.deepEqual(await countRows(fx.db), { ...counts, audit_log: counts.audit_log! + 2 });
      const audited = await fx.db.query<{ actor: string; action: string; target: string; details: object }>(
        `SELECT actor, action, target, details FROM audit_log ORDER BY id DESC LIMIT 2`,
      );
      assert.deepEqual(audited.rows.reverse(), [
        {
          actor: 'anonymous',
          action: 'session.sign-in-failed',
          target: fx.username,
          details: { address: '127.0.0.1', reason: 'wrong-password' },
        },
        {
          actor: 'anonymous',
          action: 'session.sign-in-failed',
          target: 'nobody',
          details: { address: '127.0.0.1', reason: 'unknown-user' },
        },
      ]);
      // The failures were counted (a successful sign-in of that user forgets them: a later test signs in).
      await fx.login();
    });

    it('refuses sign-in bodies that do not fit the schema', async () => {
      for (const payload of [
        { username: fx.username },
        { username: fx.username, password: fx.password, extra: true },
        { username: fx.username, password: 12345678 },
        { username: '', password: fx.password },
      ]) {
        expectError(
          await fx.app.inject({ method: 'POST', url: '/api/v1/sessions', payload }),
          400,
          'VALIDATION',
        );
      }
    });

    it('a token opens the API', async () => {
      const token = await fx.login();
      tokens.push(token);
      const res = await fx.app.inject({ method: 'GET', url: '/api/v1/work-items', headers: fx.auth(token) });
      assert.equal(res.statusCode, 200, res.body);
    });

    it('every /api/v1 route refuses a request without a valid token, and changes nothing', async () => {
      const live = await fx.login();
      tokens.push(live);
      const expired = await fx.login();
      tokens.push(expired);
      await fx.db.query(
        `UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1`,
        [hashToken(expired)],
      );
      const badHeaders: Array<Record<string, string>> = [
        {},
        { authorization: '' },
        { authorization: `Basic ${Buffer.from(`${fx.username}:${fx.password}`).toString('base64')}` },
        { authorization: 'Bearer' },
        { authorization: `Bearer ${'A'.repeat(43)}` },
        { authorization: `Bearer ${live}x` },
        { authorization: `Bearer ${live} ${live}` },
        { authorization: `Bearer ${expired}` },
      ];
      const counts = await countRows(fx.db);
      for (const route of PROTECTED_ROUTES) {
        for (const headers of badHeaders) {
          const res = await fx.app.inject({ ...route, headers });
          expectError(res, 401, 'UNAUTHORIZED');
          assert.equal(res.headers['www-authenticate'], 'Bearer');
        }
        // A body is not even parsed (let alone answered 400) before authentication.
        if (route.payload) {
          const res = await fx.app.inject({
            ...route,
            payload: '{"broken":',
            headers: { 'content-type': 'application/json' },
          });
          expectError(res, 401, 'UNAUTHORIZED');
        }
      }
      assert.deepEqual(await countRows(fx.db), counts);
      // The same requests with the live token pass authentication.
      for (const route of PROTECTED_ROUTES) {
        const ok = await fx.app.inject({ ...route, headers: fx.auth(live) });
        assert.notEqual(ok.statusCode, 401, `${route.method} ${route.url}: ${ok.body}`);
      }
    });

    it('an unknown route is 404 ROUTE_NOT_FOUND without echoing the query string', async () => {
      const res = await fx.app.inject({ method: 'GET', url: '/api/v1/nothing-here?token=abc' });
      const message = expectError(res, 404, 'ROUTE_NOT_FOUND');
      assert.ok(message.includes('/api/v1/nothing-here'));
      assert.ok(!message.includes('abc'));
    });

    it('no token and no password appears in any log line', () => {
      assert.ok(fx.logs.length > 0);
      assert.ok(tokens.length >= 3);
      for (const line of fx.logs) {
        for (const t of tokens) assert.ok(!line.includes(t), `token in log line: ${line}`);
        assert.ok(!line.includes(fx.password), `password in log line: ${line}`);
      }
    });
  });
}
