/**
 * Edits of unsealed packs through the API, on both engines: a list item
 * added (and usable at once as a property value), a template added, a
 * request offering published (and then in the catalog); each bumps the
 * revision; a sealed pack, a bad edit and an analyst are refused and
 * nothing changes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApiFixture, expectError, openApiFixture } from '../../test/support/api-fixture.js';
import { ENGINES } from '../../test/support/engines.js';
import { docExample } from '../../test/support/pack-example.js';
import { dumpDatabase } from '../../test/support/snapshot.js';
import type { Pack } from './pack-schema.js';
import { newSealingKey, sealPack } from './pack-seal.js';

const MP = '/api/v1/management-packs';
const PACK = `${MP}/contoso.servicedesk`;

for (const makeEngine of ENGINES) {
  describe(`unsealed pack edits (${makeEngine().name})`, () => {
    let fx: ApiFixture;
    let admin: Record<string, string>;
    before(async () => {
      fx = await openApiFixture(makeEngine);
      admin = fx.auth(await fx.login());
      const r = await fx.app.inject({ method: 'POST', url: MP, headers: admin, payload: docExample() });
      assert.equal(r.statusCode, 201, r.body);
      const sealed = JSON.parse(
        JSON.stringify(docExample()).replaceAll('contoso.servicedesk', 'fabrikam.desk'),
      );
      const s = await fx.app.inject({
        method: 'POST',
        url: MP,
        headers: admin,
        payload: sealPack(sealed as Pack, newSealingKey()),
      });
      assert.equal(s.statusCode, 201, s.body);
    });
    after(() => fx.close());
    const send = (method: 'POST' | 'PUT', url: string, payload: object, headers = admin) =>
      fx.app.inject({ method, url, headers, payload });

    it('adds a list item, usable at once; adds a template; publishes an offering', async () => {
      const item = await send('POST', `${PACK}/enumerations/contoso.servicedesk.sites/items`, {
        id: 'contoso.servicedesk.sites.paris',
        name: 'Paris',
        parent: 'contoso.servicedesk.sites.emea',
      });
      assert.equal(item.statusCode, 201, item.body);
      assert.deepEqual(item.json(), { id: 'contoso.servicedesk', version: '1.0.0.1' });
      const wi = await send('POST', '/api/v1/work-items', {
        class: 'incident',
        title: 'Paris printer',
        properties: { 'contoso.servicedesk.site': 'contoso.servicedesk.sites.paris' },
      });
      assert.equal(wi.statusCode, 201, wi.body);
      const t = await send('POST', `${PACK}/templates`, {
        id: 'contoso.servicedesk.vpn-down',
        name: 'VPN down',
        class: 'incident',
        values: { title: 'VPN down', priority: 2 },
      });
      assert.equal(t.statusCode, 201, t.body);
      const p = await send('PUT', `${PACK}/request-offerings/contoso.servicedesk.monitor/status`, {
        status: 'published',
      });
      assert.equal(p.statusCode, 200, p.body);
      assert.equal(p.json<{ version: string }>().version, '1.0.0.3');
      const catalog = await fx.app.inject({
        method: 'GET',
        url: '/api/v1/request-offerings',
        headers: admin,
      });
      assert.ok(
        catalog
          .json<{ items: Array<{ id: string }> }>()
          .items.some((o) => o.id === 'contoso.servicedesk.monitor'),
      );
    });

    it('refuses sealed packs, bad edits and analysts, changing nothing', async () => {
      const analyst = fx.auth(await fx.addUser('ann', 'analyst'));
      const before = await dumpDatabase(fx.db, ['api_tokens']);
      const item = { id: 'fabrikam.desk.sites.rome', name: 'Rome' };
      expectError(
        await send('POST', `${MP}/fabrikam.desk/enumerations/fabrikam.desk.sites/items`, item),
        409,
        'PACK_SEALED',
      );
      const m = expectError(
        await send('POST', `${PACK}/enumerations/contoso.servicedesk.sites/items`, {
          id: 'other.pack.rome',
          name: 'Rome',
        }),
        400,
        'PACK_INVALID',
      );
      assert.match(m, /not namespaced by the pack id/);
      expectError(
        await send('POST', `${PACK}/enumerations/contoso.servicedesk.sites/items`, {
          id: 'contoso.servicedesk.sites.london',
          name: 'Again',
        }),
        400,
        'PACK_INVALID',
      );
      expectError(
        await send('POST', `${PACK}/templates`, {
          id: 'contoso.servicedesk.t2',
          name: 'T',
          class: 'incident',
          values: { colour: 'red' },
        }),
        400,
        'PACK_INVALID',
      );
      expectError(
        await send('PUT', `${PACK}/request-offerings/contoso.servicedesk.none/status`, {
          status: 'published',
        }),
        400,
        'PACK_INVALID',
      );
      expectError(
        await send(
          'POST',
          `${PACK}/templates`,
          { id: 'contoso.servicedesk.t3', name: 'T', class: 'incident', values: {} },
          analyst,
        ),
        403,
        'FORBIDDEN',
      );
      expectError(
        await send('POST', `${MP}/nope.nope/templates`, {
          id: 'nope.nope.t',
          name: 'T',
          class: 'incident',
          values: {},
        }),
        404,
        'PACK_NOT_FOUND',
      );
      assert.equal(await dumpDatabase(fx.db, ['api_tokens']), before);
    });
  });
}
