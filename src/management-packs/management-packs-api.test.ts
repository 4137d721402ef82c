/**
 * /api/v1/management-packs and /api/v1/request-offerings on both engines:
 * the doc's example imported as it stands; re-import of an unsealed pack
 * overwrites; removal hides (the row stays) and is refused while another
 * pack references it; only administrators write; every refusal names its
 * problem and leaves the database exactly as it was.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApiFixture, expectError, openApiFixture } from '../../test/support/api-fixture.js';
import { ENGINES } from '../../test/support/engines.js';
import { docExample } from '../../test/support/pack-example.js';
import { dumpDatabase } from '../../test/support/snapshot.js';

const URL = '/api/v1/management-packs';

const dependant = () => ({
  format: 'smgr-management-pack',
  formatVersion: 1,
  id: 'contoso.london',
  version: '1.0.0.0',
  name: 'London desk',
  references: [{ id: 'contoso.servicedesk', minVersion: '1.0.0.0' }],
  templates: [
    {
      id: 'contoso.london.site-incident',
      name: 'London incident',
      class: 'incident',
      values: { 'contoso.servicedesk.site': 'contoso.servicedesk.sites.london' },
    },
  ],
});

for (const makeEngine of ENGINES) {
  describe(`management packs API (${makeEngine().name})`, () => {
    let fx: ApiFixture;
    let admin: Record<string, string>;
    let analyst: Record<string, string>;
    before(async () => {
      fx = await openApiFixture(makeEngine);
      admin = fx.auth(await fx.login());
      analyst = fx.auth(await fx.addUser('ann', 'analyst'));
    });
    after(() => fx.close());

    const post = (payload: unknown, headers = admin) =>
      fx.app.inject({ method: 'POST', url: URL, headers, payload: payload as object });
    const unchanged = async (what: string, fn: () => Promise<void>) => {
      const before = await dumpDatabase(fx.db, ['api_tokens', 'sign_in_throttle']);
      await fn();
      assert.equal(
        await dumpDatabase(fx.db, ['api_tokens', 'sign_in_throttle']),
        before,
        `${what} changed nothing`,
      );
    };

    it("imports the doc's example as it stands, lists and shows it", async () => {
      const res = await post(docExample());
      assert.equal(res.statusCode, 201, res.body);
      assert.deepEqual(res.json(), {
        id: 'contoso.servicedesk',
        version: '1.0.0.0',
        sealed: false,
        keyFingerprint: null,
        outcome: 'imported',
      });
      const list = await fx.app.inject({ method: 'GET', url: URL, headers: analyst });
      assert.equal(list.statusCode, 200, list.body);
      const items = list.json<{ items: Array<{ id: string; contents: Record<string, number> }> }>().items;
      assert.deepEqual(
        items.map((p) => p.id),
        ['contoso.servicedesk'],
      );
      assert.equal(items[0]!.contents.requestOfferings, 2);
      const show = await fx.app.inject({
        method: 'GET',
        url: `${URL}/contoso.servicedesk`,
        headers: analyst,
      });
      assert.equal(show.statusCode, 200, show.body);
      assert.deepEqual(show.json<{ document: unknown }>().document, docExample());
    });

    it('lists the published request offerings with their questions to every signed-in user', async () => {
      const eve = fx.auth(await fx.addUser('eve', 'end-user'));
      const res = await fx.app.inject({ method: 'GET', url: '/api/v1/request-offerings', headers: eve });
      assert.equal(res.statusCode, 200, res.body);
      const items = res.json<{ items: Array<{ id: string; class: string; questions: unknown[] }> }>().items;
      assert.deepEqual(
        items.map((o) => [o.id, o.class, o.questions.length]),
        [['contoso.servicedesk.new-laptop', 'service-request', 3]],
      );
    });

    it('re-import of an unsealed pack overwrites it; the same document again changes nothing', async () => {
      const next = docExample();
      next.version = '1.0.1.0';
      next.enumerations[0].items[0].items.push({ id: 'contoso.servicedesk.sites.paris', name: 'Paris' });
      const res = await post(next);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json<{ outcome: string }>().outcome, 'overwritten');
      await unchanged('the same pack again', async () => {
        const again = await post(next);
        assert.equal(again.json<{ outcome: string }>().outcome, 'unchanged');
      });
      const show = await fx.app.inject({ method: 'GET', url: `${URL}/contoso.servicedesk`, headers: admin });
      assert.equal(show.json<{ pack: { version: string } }>().pack.version, '1.0.1.0');
    });

    it('refusals name the problem and change nothing', async () => {
      await unchanged('refusals', async () => {
        expectError(await post(docExample(), analyst), 403, 'FORBIDDEN');
        const bad = docExample();
        bad.classExtensions[0].properties[0].list = 'contoso.servicedesk.nope';
        delete bad.views[0].columns;
        const m = expectError(await post(bad), 400, 'PACK_INVALID');
        assert.match(m, /\/views\/0\/columns: missing/);
        const bad2 = docExample();
        bad2.classExtensions[0].properties[0].list = 'contoso.servicedesk.nope';
        const m2 = expectError(await post(bad2), 400, 'PACK_INVALID');
        assert.match(m2, /\/classExtensions\/0\/properties\/0\/list: no list contoso\.servicedesk\.nope/);
        const builtIn = { ...docExample(), id: 'smgr.mine' };
        expectError(await post(builtIn), 409, 'PACK_BUILT_IN');
        expectError(
          await fx.app.inject({ method: 'DELETE', url: `${URL}/smgr.workitems`, headers: admin }),
          404,
          'PACK_NOT_FOUND',
        );
        expectError(
          await fx.app.inject({ method: 'DELETE', url: `${URL}/nope.nope`, headers: admin }),
          404,
          'PACK_NOT_FOUND',
        );
        expectError(
          await fx.app.inject({ method: 'GET', url: `${URL}/Not..an.id`, headers: admin }),
          404,
          'NOT_FOUND',
        );
        const missingRef = {
          ...dependant(),
          references: [{ id: 'contoso.servicedesk', minVersion: '9.0.0.0' }],
        };
        assert.match(expectError(await post(missingRef), 400, 'PACK_INVALID'), /\/references\/0\/minVersion/);
      });
    });

    it('a referenced pack cannot be removed; removal hides, re-import shows it again', async () => {
      assert.equal((await post(dependant())).statusCode, 201);
      await unchanged('a refused removal or overwrite', async () => {
        const breaking = docExample();
        breaking.version = '1.0.2.0';
        breaking.enumerations[0].items[0].items = [{ id: 'contoso.servicedesk.sites.lyon', name: 'Lyon' }];
        assert.match(
          expectError(await post(breaking), 400, 'PACK_INVALID'),
          /pack contoso\.london \(which references this one\): \/templates\/0\/values\/contoso\.servicedesk\.site: must be an item id/,
        );
        const m = expectError(
          await fx.app.inject({ method: 'DELETE', url: `${URL}/contoso.servicedesk`, headers: admin }),
          409,
          'PACK_REFERENCED',
        );
        assert.match(m, /referenced by contoso\.london/);
        expectError(
          await fx.app.inject({ method: 'DELETE', url: `${URL}/contoso.london`, headers: analyst }),
          403,
          'FORBIDDEN',
        );
      });
      for (const id of ['contoso.london', 'contoso.servicedesk']) {
        const res = await fx.app.inject({ method: 'DELETE', url: `${URL}/${id}`, headers: admin });
        assert.equal(res.statusCode, 200, res.body);
      }
      const list = await fx.app.inject({ method: 'GET', url: URL, headers: admin });
      assert.deepEqual(list.json<{ items: unknown[] }>().items, []);
      const all = await fx.app.inject({ method: 'GET', url: `${URL}?all=true`, headers: admin });
      assert.equal(all.json<{ items: Array<{ removedAt: string | null }> }>().items.length, 2);
      const rows = await fx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM management_packs');
      assert.equal(rows.rows[0]!.n, 2, 'removal deletes nothing');
      const offerings = await fx.app.inject({
        method: 'GET',
        url: '/api/v1/request-offerings',
        headers: admin,
      });
      assert.deepEqual(offerings.json<{ items: unknown[] }>().items, []);
      const back = await post(docExample());
      assert.equal(back.json<{ outcome: string }>().outcome, 'restored');
    });
  });
}
