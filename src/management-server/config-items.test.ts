/**
 * /api/v1/config-items on both engines: create, get, patch (name,
 * properties), keyset pagination and the class filter, 409 CONFLICT on a
 * duplicate (class, name) by create or rename with nothing changed, and an
 * audit row per create and update.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { type ApiFixture, countRows, expectError, openApiFixture } from '../../test/support/api-fixture.js';
import { ENGINES } from '../../test/support/engines.js';
import type { ConfigItem } from './config-item-store.js';

interface Page {
  items: ConfigItem[];
  nextCursor: string | null;
}

for (const makeEngine of ENGINES) {
  describe(`configuration items (${makeEngine().name})`, () => {
    let fx: ApiFixture;
    let headers: Record<string, string>;
    before(async () => {
      fx = await openApiFixture(makeEngine);
      headers = fx.auth(await fx.login());
    });
    after(() => fx.close());

    const create = async (payload: object): Promise<ConfigItem> => {
      const res = await fx.app.inject({ method: 'POST', url: '/api/v1/config-items', headers, payload });
      assert.equal(res.statusCode, 201, res.body);
      return res.json<ConfigItem>();
    };

    const allPages = async (query: string): Promise<Page[]> => {
      const pages: Page[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/api/v1/config-items?${query}${cursor ? `&cursor=${cursor}` : ''}`;
        const res: LightMyRequestResponse = await fx.app.inject({ method: 'GET', url, headers });
        assert.equal(res.statusCode, 200, res.body);
        const page = res.json<Page>();
        pages.push(page);
        cursor = page.nextCursor;
      } while (cursor);
      return pages;
    };

    it('creates, gets and patches a configuration item, auditing each write', async () => {
      const ci = await create({
        class: 'computer',
        name: 'srv-db-01',
        properties: { os: 'Debian 12', cpus: 8 },
      });
      assert.equal(typeof ci.id, 'number');
      assert.equal(ci.class, 'computer');
      assert.equal(ci.name, 'srv-db-01');
      assert.deepEqual(ci.properties, { os: 'Debian 12', cpus: 8 });

      const got = await fx.app.inject({ method: 'GET', url: `/api/v1/config-items/${ci.id}`, headers });
      assert.equal(got.statusCode, 200);
      assert.deepEqual(got.json(), ci);

      const renamed = await fx.app.inject({
        method: 'PATCH',
        url: `/api/v1/config-items/${ci.id}`,
        headers,
        payload: { name: 'srv-db-02' },
      });
      assert.equal(renamed.statusCode, 200, renamed.body);
      const r = renamed.json<ConfigItem>();
      assert.equal(r.name, 'srv-db-02');
      assert.deepEqual(r.properties, ci.properties);
      assert.ok(Date.parse(r.updatedAt) > Date.parse(ci.updatedAt));

      const reprop = await fx.app.inject({
        method: 'PATCH',
        url: `/api/v1/config-items/${ci.id}`,
        headers,
        payload: { properties: { os: 'Debian 13' } },
      });
      assert.equal(reprop.statusCode, 200, reprop.body);
      assert.deepEqual(reprop.json<ConfigItem>().properties, { os: 'Debian 13' });
      assert.equal(reprop.json<ConfigItem>().name, 'srv-db-02');

      const audit = await fx.db.query<{ actor: string; action: string }>(
        'SELECT actor, action FROM audit_log WHERE target = $1 ORDER BY id',
        [`config-item:${ci.id}`],
      );
      assert.deepEqual(
        audit.rows.map((a) => `${a.actor} ${a.action}`),
        [
          `${fx.username} config-item.created`,
          `${fx.username} config-item.updated`,
          `${fx.username} config-item.updated`,
        ],
      );
    });

    it('a duplicate (class, name) is 409 CONFLICT, by create or by rename, and changes nothing', async () => {
      await create({ class: 'service', name: 'Email' });
      const other = await create({ class: 'service', name: 'Payroll' });
      // The same name in another class is fine.
      await create({ class: 'user', name: 'Email' });
      const counts = await countRows(fx.db);

      const dup = await fx.app.inject({
        method: 'POST',
        url: '/api/v1/config-items',
        headers,
        payload: { class: 'service', name: 'Email', properties: { x: 1 } },
      });
      assert.ok(expectError(dup, 409, 'CONFLICT').includes('Email'));

      const rename = await fx.app.inject({
        method: 'PATCH',
        url: `/api/v1/config-items/${other.id}`,
        headers,
        payload: { name: 'Email' },
      });
      expectError(rename, 409, 'CONFLICT');

      assert.deepEqual(await countRows(fx.db), counts);
      const still = await fx.app.inject({ method: 'GET', url: `/api/v1/config-items/${other.id}`, headers });
      assert.deepEqual(still.json(), other);
    });

    it('paginates across pages (every item exactly once) and filters by class', async () => {
      for (let i = 0; i < 9; i++)
        await create({ class: (['computer', 'user', 'service'] as const)[i % 3], name: `ci-${i}` });
      const all = (await allPages('limit=500')).flatMap((p) => p.items);
      const pages = await allPages('limit=2');
      assert.ok(pages.length >= 5);
      const ids = pages.flatMap((p) => p.items.map((c) => c.id));
      assert.deepEqual(
        ids,
        all.map((c) => c.id),
      );
      assert.equal(new Set(ids).size, ids.length);
      const n = await fx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM config_items');
      assert.equal(ids.length, n.rows[0]?.n);

      for (const cls of ['computer', 'user', 'service']) {
        const got = (await allPages(`class=${cls}&limit=2`)).flatMap((p) => p.items);
        assert.ok(got.length > 0);
        assert.deepEqual(
          got.map((c) => c.id),
          all.filter((c) => c.class === cls).map((c) => c.id),
        );
      }
    });

    it('a work-item cursor is not a config-item cursor', async () => {
      await fx.app.inject({
        method: 'POST',
        url: '/api/v1/work-items',
        headers,
        payload: { class: 'incident', title: 'a' },
      });
      await fx.app.inject({
        method: 'POST',
        url: '/api/v1/work-items',
        headers,
        payload: { class: 'incident', title: 'b' },
      });
      const wi = await fx.app.inject({ method: 'GET', url: '/api/v1/work-items?limit=1', headers });
      const cursor = wi.json<{ nextCursor: string }>().nextCursor;
      assert.ok(cursor);
      const res = await fx.app.inject({
        method: 'GET',
        url: `/api/v1/config-items?cursor=${cursor}`,
        headers,
      });
      expectError(res, 400, 'VALIDATION');
    });

    it('unknown and malformed ids are 404 NOT_FOUND', async () => {
      for (const id of ['424242', 'pc-01', '0']) {
        expectError(
          await fx.app.inject({ method: 'GET', url: `/api/v1/config-items/${id}`, headers }),
          404,
          'NOT_FOUND',
        );
        expectError(
          await fx.app.inject({
            method: 'PATCH',
            url: `/api/v1/config-items/${id}`,
            headers,
            payload: { name: 'n' },
          }),
          404,
          'NOT_FOUND',
        );
      }
    });
  });
}
