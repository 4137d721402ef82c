/**
 * GET /api/v1/changes through the API on both engines: the data-warehouse
 * role reads the feed and nothing else (403 on work items, users, Run As
 * accounts); end users may not read it; a Run As account's password, sealed
 * or not, never appears in the feed; a bad cursor is 400
 * CHANGE_CURSOR_INVALID. The registered DW's read acknowledges its `held`
 * position (default `after`) for grooming; a `held` past `after` (or
 * without one) is 400 CHANGE_HELD_AHEAD and acknowledges nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApiFixture, expectError, openApiFixture } from '../../test/support/api-fixture.js';
import { ENGINES } from '../../test/support/engines.js';
import { eventually } from '../../test/support/eventually.js';
import { dumpDatabase } from '../../test/support/snapshot.js';

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
      // The feed may hold changes back behind another database's transaction (change-feed.ts): poll.
      let res!: Awaited<ReturnType<typeof fx.app.inject>>;
      let page!: { changes: Array<{ kind: string; data: Record<string, unknown> }>; next: string };
      await eventually('the new configuration item in the feed', async () => {
        res = await fx.app.inject({ method: 'GET', url: '/api/v1/changes?limit=100', headers: fx.auth(dw) });
        assert.equal(res.statusCode, 200, res.body);
        page = res.json();
        return page.changes.some((c) => c.kind === 'config-item' && c.data.name === 'pc7');
      });
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

    it('held: acknowledged instead of after; past after, refused and nothing acknowledged', async () => {
      await fx.db.query(
        `INSERT INTO key_records (key_id, part, verifier, wrapped_dek)
         VALUES ('dw-00000000000000bb', 'data-warehouse', '\\x00', '\\x00')`,
      );
      await fx.db.query(
        `INSERT INTO data_warehouse (id, name, computer_name, key_id, service_user)
         VALUES (gen_random_uuid(), 'Held DW', 'dw01', 'dw-00000000000000bb', 'dw-service')`,
      );
      const acknowledged = async () =>
        (
          await fx.db.query<{ p: string | null }>(
            `SELECT acknowledged_epoch::text || '-' || acknowledged_xid::text || '-' || acknowledged_id::text AS p
               FROM data_warehouse`,
          )
        ).rows[0]!.p;
      const read = (q: string) =>
        fx.app.inject({ method: 'GET', url: `/api/v1/changes?${q}`, headers: fx.auth(dw) });
      const first = await read('limit=2');
      assert.equal(first.statusCode, 200, first.body);
      const p1 = first.json<{ next: string }>().next;
      const second = await read(`limit=2&after=${p1}`);
      const p2 = second.json<{ next: string }>().next;
      assert.notEqual(p1, p2);
      assert.equal(await acknowledged(), p1);

      const ahead = await read(`limit=2&after=${p2}&held=${p1}`);
      assert.equal(ahead.statusCode, 200, ahead.body);
      assert.equal(await acknowledged(), p1, 'the held position, not after');

      for (const q of [`after=${p1}&held=${p2}`, `held=${p1}`]) {
        const before = await dumpDatabase(fx.db);
        expectError(await read(q), 400, 'CHANGE_HELD_AHEAD');
        assert.deepEqual(await dumpDatabase(fx.db), before, q);
      }
      expectError(await read(`after=${p1}&held=x`), 400, 'CHANGE_CURSOR_INVALID');
      assert.equal(await acknowledged(), p1);
      await read(`after=${p2}`);
      assert.equal(await acknowledged(), p2);
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
