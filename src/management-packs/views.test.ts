/**
 * Views as queries (GET /api/v1/views/:id/items) on both engines: the doc's
 * example view (a list property and "in" on status, sorted by priority), a
 * view over typed extension properties (integer ≥, boolean =), an end user
 * seeing only their own work items, an unknown view 404.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApiFixture, expectError, openApiFixture } from '../../test/support/api-fixture.js';
import { ENGINES } from '../../test/support/engines.js';
import { docExample } from '../../test/support/pack-example.js';

const SITE = 'contoso.servicedesk.site';
const LONDON = 'contoso.servicedesk.sites.london';

const viewsPack = {
  format: 'smgr-management-pack',
  formatVersion: 1,
  id: 'acme.views',
  version: '1.0.0.0',
  name: 'Acme views',
  references: [{ id: 'contoso.servicedesk', minVersion: '1.0.0.0' }],
  views: [
    {
      id: 'acme.views.big-vip',
      name: 'Big VIP outages',
      class: 'incident',
      criteria: [
        { field: 'contoso.servicedesk.users-affected', operator: 'ge', value: 10 },
        { field: 'contoso.servicedesk.vip', operator: 'eq', value: true },
        { field: 'description', operator: 'is-null' },
      ],
      columns: ['title', 'contoso.servicedesk.users-affected'],
      sort: [{ field: 'contoso.servicedesk.users-affected', direction: 'desc' }],
    },
  ],
};

for (const makeEngine of ENGINES) {
  describe(`views as queries (${makeEngine().name})`, () => {
    let fx: ApiFixture;
    let admin: Record<string, string>;
    let eve: Record<string, string>;
    before(async () => {
      fx = await openApiFixture(makeEngine);
      admin = fx.auth(await fx.login());
      eve = fx.auth(await fx.addUser('eve', 'end-user'));
      for (const pack of [docExample(), viewsPack]) {
        const r = await fx.app.inject({
          method: 'POST',
          url: '/api/v1/management-packs',
          headers: admin,
          payload: pack,
        });
        assert.equal(r.statusCode, 201, r.body);
      }
      const items: Array<[string, object, Record<string, string>]> = [
        ['London p2', { priority: 2, properties: { [SITE]: LONDON } }, admin],
        ['London p1 pending', { priority: 1, status: 'pending', properties: { [SITE]: LONDON } }, admin],
        ['Lyon', { priority: 1, properties: { [SITE]: 'contoso.servicedesk.sites.lyon' } }, admin],
        ['London resolved', { priority: 1, status: 'resolved', properties: { [SITE]: LONDON } }, admin],
        ['Eve London p3', { priority: 3, affectedUser: 'eve', properties: { [SITE]: LONDON } }, admin],
        [
          'VIP 50',
          { properties: { 'contoso.servicedesk.users-affected': 50, 'contoso.servicedesk.vip': true } },
          admin,
        ],
        [
          'VIP 12',
          { properties: { 'contoso.servicedesk.users-affected': 12, 'contoso.servicedesk.vip': true } },
          admin,
        ],
        ['not VIP 99', { properties: { 'contoso.servicedesk.users-affected': 99 } }, admin],
        [
          'VIP 80 described',
          {
            description: 'x',
            properties: { 'contoso.servicedesk.users-affected': 80, 'contoso.servicedesk.vip': true },
          },
          admin,
        ],
      ];
      for (const [title, rest, headers] of items) {
        const r = await fx.app.inject({
          method: 'POST',
          url: '/api/v1/work-items',
          headers,
          payload: { class: 'incident', title, ...rest },
        });
        assert.equal(r.statusCode, 201, r.body);
      }
    });
    after(() => fx.close());
    const run = (id: string, headers = admin) =>
      fx.app.inject({ method: 'GET', url: `/api/v1/views/${id}/items`, headers });

    it("runs the doc's example view: criteria, sort and columns", async () => {
      const r = await run('contoso.servicedesk.london-open');
      assert.equal(r.statusCode, 200, r.body);
      const items = r.json<{ items: Array<Record<string, unknown>> }>().items;
      assert.deepEqual(
        items.map((i) => [i.title, i.priority, i.status, i['contoso.servicedesk.classification']]),
        [
          ['London p1 pending', 1, 'pending', 'contoso.servicedesk.incident-classification.other'],
          ['London p2', 2, 'active', 'contoso.servicedesk.incident-classification.other'],
          ['Eve London p3', 3, 'active', 'contoso.servicedesk.incident-classification.other'],
        ],
      );
      assert.match(String(items[0]!.displayId), /^IR\d+$/);
    });

    it('typed criteria on extension properties', async () => {
      const r = await run('acme.views.big-vip');
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(
        r
          .json<{ items: Array<Record<string, unknown>> }>()
          .items.map((i) => [i.title, i['contoso.servicedesk.users-affected']]),
        [
          ['VIP 50', 50],
          ['VIP 12', 12],
        ],
      );
    });

    it('an end user sees only their own work items; an unknown view is 404', async () => {
      const r = await run('contoso.servicedesk.london-open', eve);
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(
        r.json<{ items: Array<{ title: string }> }>().items.map((i) => i.title),
        ['Eve London p3'],
      );
      expectError(await run('contoso.servicedesk.nope'), 404, 'NOT_FOUND');
      const list = await fx.app.inject({ method: 'GET', url: '/api/v1/views', headers: eve });
      assert.deepEqual(
        list.json<{ items: Array<{ id: string }> }>().items.map((v) => v.id),
        ['acme.views.big-vip', 'contoso.servicedesk.london-open'],
      );
    });
  });
}
