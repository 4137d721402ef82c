/**
 * GET /api/v1/changes through the API on both engines: the data-warehouse
 * role reads the feed and nothing else (403 on work items, users, Run As
 * accounts); end users may not read it; a Run As account's password, sealed
 * or not, never appears in the feed; a bad cursor is 400
 * CHANGE_CURSOR_INVALID.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApiFixture, expectError, openApiFixture } from '../../test/support/api-fixture.js';
import { ENGINES } from '../../test/support/engines.js';

for (const makeEngine of ENGINES) {
  describe(`GET /api/v1/changes (${makeEngine().name})`, () => {
    let fx: ApiFixture;
    let dw: string;
    before(async () => {
      fx = await openApiFixture(makeEngine);
      dw = await fx.addUser('dw-service', 'data-warehouse', 'dw service password 1');
    });
    after(() => fx.close());

    it('the data-warehouse role reads the feed and nothing else; no secret in it', async () => {
      const admin = await fx.login();
      const ci = await fx.app.inject({
        method: 'POST',
        url: '/api/v1/config-items',
        headers: fx.auth(admin),
        payload: { class: 'computer', name: 'pc7' },
      });
      assert.equal(ci.statusCode, 201, ci.body);
      const ra = await fx.app.inject({
        method: 'POST',
        url: '/api/v1/run-as-accounts',
        headers: fx.auth(admin),
        payload: { name: 'sql', username: 'svc', password: 'Run-As-Secret-77' },
      });
      assert.equal(ra.statusCode, 201, ra.body);
      const res = await fx.app.inject({
        method: 'GET',
        url: '/api/v1/changes?limit=100',
        headers: fx.auth(dw),
      });
      assert.equal(res.statusCode, 200, res.body);
      const page = res.json<{
        changes: Array<{ kind: string; data: Record<string, unknown> }>;
        next: string;
      }>();
      assert.ok(page.changes.some((c) => c.kind === 'config-item' && c.data.name === 'pc7'));
      assert.ok(page.changes.some((c) => c.kind === 'user' && c.data.username === 'dw-service'));
      assert.ok(!res.body.includes('Run-As-Secret-77'));
      assert.ok(!res.body.includes('password'), 'no password field, hashed or sealed');
      for (const url of [
        '/api/v1/work-items',
        '/api/v1/users',
        '/api/v1/run-as-accounts',
        '/api/v1/config-items',
      ]) {
        expectError(await fx.app.inject({ method: 'GET', url, headers: fx.auth(dw) }), 403, 'FORBIDDEN');
      }
      const bad = await fx.app.inject({
        method: 'GET',
        url: '/api/v1/changes?after=x1',
        headers: fx.auth(dw),
      });
      expectError(bad, 400, 'CHANGE_CURSOR_INVALID');
    });

    it('end users and analysts may not read the feed', async () => {
      for (const [name, role] of [
        ['eve', 'end-user'],
        ['ana', 'analyst'],
      ] as const) {
        const token = await fx.addUser(name, role);
        expectError(
          await fx.app.inject({ method: 'GET', url: '/api/v1/changes', headers: fx.auth(token) }),
          403,
          'FORBIDDEN',
        );
      }
    });
  });
}
