/** Work-item changes through the API queue notifications in the same transaction; refused changes queue none. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ApiFixture, openApiFixture } from '../../../test/support/api-fixture.js';
import { ENGINES } from '../../../test/support/engines.js';

for (const makeEngine of ENGINES) {
  describe(`notifications queued by work-item changes (${makeEngine().name})`, () => {
    let fx: ApiFixture;
    before(async () => {
      fx = await openApiFixture(makeEngine);
    });
    after(() => fx.close());

    test('create and patch each queue one notification; a refused patch queues none', async () => {
      const token = await fx.login();
      const created = await fx.app.inject({
        method: 'POST',
        url: '/api/v1/work-items',
        headers: fx.auth(token),
        payload: { class: 'incident', title: 'Mail down', priority: 2 },
      });
      assert.equal(created.statusCode, 201);
      const id = created.json<{ id: number; displayId: string }>().id;
      const patched = await fx.app.inject({
        method: 'PATCH',
        url: `/api/v1/work-items/${id}`,
        headers: fx.auth(token),
        payload: { status: 'resolved' },
      });
      assert.equal(patched.statusCode, 200);
      const missing = await fx.app.inject({
        method: 'PATCH',
        url: '/api/v1/work-items/999999',
        headers: fx.auth(token),
        payload: { status: 'resolved' },
      });
      assert.equal(missing.statusCode, 404);
      const bad = await fx.app.inject({
        method: 'PATCH',
        url: `/api/v1/work-items/${id}`,
        headers: fx.auth(token),
        payload: { status: 'nonsense' },
      });
      assert.equal(bad.statusCode, 400);
      const r = await fx.db.query<{ work_item_id: number; event: string; payload: Record<string, unknown> }>(
        'SELECT work_item_id, event, payload FROM notifications ORDER BY id',
      );
      assert.deepEqual(r.rows, [
        {
          work_item_id: id,
          event: 'work-item.created',
          payload: {
            displayId: `IR${id}`,
            class: 'incident',
            title: 'Mail down',
            status: 'active',
            priority: 2,
          },
        },
        {
          work_item_id: id,
          event: 'work-item.updated',
          payload: {
            displayId: `IR${id}`,
            class: 'incident',
            title: 'Mail down',
            status: 'resolved',
            priority: 2,
            fields: ['status'],
          },
        },
      ]);
    });
  });
}
