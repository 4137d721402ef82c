/**
 * The portal routes of the API on both engines (issue 12): only
 * administrators set up portals; a new portal key is made once; an existing
 * key proves itself with its credential (a wrong one is refused, changing
 * nothing); the heartbeat checks the key then the registration, and 'check'
 * writes nothing. Work items list newest first on request, paged.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApiFixture, openApiFixture } from '../../test/support/api-fixture.js';
import { ENGINES } from '../../test/support/engines.js';
import { dumpDatabase } from '../../test/support/snapshot.js';
import { newKek, newKeyId } from '../keys/key-hierarchy.js';
import { portalKeyRecord } from '../portal/portal-key.js';

for (const makeEngine of ENGINES) {
  describe(`portal routes (${makeEngine().name})`, () => {
    let fx: ApiFixture;
    let admin: string;
    const kek = newKek();
    const keyId = newKeyId('portal');
    const record = portalKeyRecord(kek, keyId);
    before(async () => {
      fx = await openApiFixture(makeEngine);
      admin = await fx.login();
    });
    after(() => fx.close());

    const post = (url: string, payload: unknown, token?: string) =>
      fx.app.inject({
        method: 'POST',
        url,
        payload: payload as object,
        headers: token ? fx.auth(token) : {},
      });

    it('only administrators see and set up portals', async () => {
      const analyst = await fx.addUser('ann', 'analyst');
      const user = await fx.addUser('eve', 'end-user');
      for (const token of [analyst, user]) {
        const list = await fx.app.inject({ method: 'GET', url: '/api/v1/portals', headers: fx.auth(token) });
        assert.equal(list.statusCode, 403);
        const res = await post(
          '/api/v1/portals',
          { computerName: 'web01', ...record, existing: false },
          token,
        );
        assert.equal(res.statusCode, 403);
        assert.equal(res.json().error, 'FORBIDDEN');
      }
      const empty = await fx.app.inject({ method: 'GET', url: '/api/v1/portals', headers: fx.auth(admin) });
      assert.deepEqual(empty.json().keys, []);
    });

    it('a new portal: key record and registration; a second new key is refused', async () => {
      const res = await post('/api/v1/portals', { computerName: 'web01', ...record, existing: false }, admin);
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().rebound, false);
      const list = (
        await fx.app.inject({ method: 'GET', url: '/api/v1/portals', headers: fx.auth(admin) })
      ).json();
      assert.deepEqual(
        list.keys.map((k: { keyId: string }) => k.keyId),
        [keyId],
      );
      assert.equal(list.computers[0].computerName, 'web01');
      const db = await dumpDatabase(fx.db, ['audit_log', 'api_tokens']);
      const other = portalKeyRecord(newKek(), newKeyId('portal'));
      const again = await post(
        '/api/v1/portals',
        { computerName: 'web02', ...other, existing: false },
        admin,
      );
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().error, 'PORTAL_KEY_EXISTS');
      assert.equal(await dumpDatabase(fx.db, ['audit_log', 'api_tokens']), db);
    });

    it('an existing key proves itself; a wrong credential is refused and changes nothing', async () => {
      const db = await dumpDatabase(fx.db, ['audit_log', 'api_tokens']);
      const forged = { ...record, credential: portalKeyRecord(newKek(), keyId).credential };
      const bad = await post('/api/v1/portals', { computerName: 'web02', ...forged, existing: true }, admin);
      assert.equal(bad.statusCode, 409);
      assert.equal(bad.json().error, 'KEY_MISMATCH');
      const unknown = portalKeyRecord(kek, newKeyId('portal'));
      const missing = await post(
        '/api/v1/portals',
        { computerName: 'web02', ...unknown, existing: true },
        admin,
      );
      assert.equal(missing.json().error, 'KEY_RECORD_MISSING');
      assert.equal(await dumpDatabase(fx.db, ['audit_log', 'api_tokens']), db);
      const ok = await post('/api/v1/portals', { computerName: 'web02', ...record, existing: true }, admin);
      assert.equal(ok.statusCode, 201, ok.body);
      const rebind = await post(
        '/api/v1/portals',
        { computerName: 'web01', ...record, existing: true },
        admin,
      );
      assert.equal(rebind.json().rebound, true);
    });

    it('heartbeat: the key, then the registration; check writes nothing, alive and stopped do', async () => {
      const beat = (state: string, over: Record<string, string> = {}) =>
        post('/api/v1/portals/heartbeat', {
          computerName: 'web01',
          keyId,
          credential: record.credential,
          state,
          ...over,
        });
      const db = await dumpDatabase(fx.db);
      assert.equal((await beat('check')).statusCode, 200);
      assert.equal(await dumpDatabase(fx.db), db, 'check writes nothing');
      const wrong = await beat('alive', { credential: portalKeyRecord(newKek(), keyId).credential });
      assert.equal(wrong.json().error, 'KEY_MISMATCH');
      const stranger = await beat('alive', { computerName: 'web99' });
      assert.equal(stranger.json().error, 'NOT_REGISTERED');
      const alive = await beat('alive');
      assert.equal(alive.statusCode, 200);
      assert.equal(
        alive.json().computers.find((c: { computerName: string }) => c.computerName === 'web01').alive,
        true,
      );
      assert.equal(alive.json().lastKeyBackupAt, null);
      const backedUp = await beat('key-backed-up');
      assert.match(backedUp.json().lastKeyBackupAt, /^\d{4}-/);
      const stopped = await beat('stopped');
      assert.equal(
        stopped.json().computers.find((c: { computerName: string }) => c.computerName === 'web01').alive,
        false,
      );
    });

    it('work items newest first, paged, with cursors of their own list', async () => {
      for (let i = 1; i <= 5; i++) {
        const r = await post('/api/v1/work-items', { class: 'incident', title: `n${i}` }, admin);
        assert.equal(r.statusCode, 201);
      }
      const get = (q: string) =>
        fx.app.inject({ method: 'GET', url: `/api/v1/work-items?${q}`, headers: fx.auth(admin) });
      const p1 = (await get('order=newest&limit=3')).json();
      assert.deepEqual(
        p1.items.map((w: { title: string }) => w.title),
        ['n5', 'n4', 'n3'],
      );
      const p2 = (await get(`order=newest&limit=3&cursor=${p1.nextCursor}`)).json();
      assert.deepEqual(
        p2.items.map((w: { title: string }) => w.title),
        ['n2', 'n1'],
      );
      assert.equal(p2.nextCursor, null);
      const mixed = await get(`limit=3&cursor=${p1.nextCursor}`);
      assert.equal(mixed.statusCode, 400);
    });
  });
}
