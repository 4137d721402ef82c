/**
 * /api/v1/work-items on both engines: create (display ids IR<id>/SR<id>,
 * defaults), get and patch by id or display id, patch (class immutable, updatedAt bumps, nulls clear),
 * keyset pagination across pages with every item seen exactly once, filters,
 * and an audit row per create and update.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApiFixture, expectError, openApiFixture } from '../../test/support/api-fixture.js';
import { ENGINES } from '../../test/support/engines.js';
import type { WorkItem } from './work-item-store.js';

interface Page {
  items: WorkItem[];
  nextCursor: string | null;
}

for (const makeEngine of ENGINES) {
  describe(`work items (${makeEngine().name})`, () => {
    let fx: ApiFixture;
    let headers: Record<string, string>;
    before(async () => {
      fx = await openApiFixture(makeEngine);
      headers = fx.auth(await fx.login());
    });
    after(() => fx.close());

    const create = async (payload: object): Promise<WorkItem> => {
      const res = await fx.app.inject({ method: 'POST', url: '/api/v1/work-items', headers, payload });
      assert.equal(res.statusCode, 201, res.body);
      return res.json<WorkItem>();
    };

    const list = async (query: string): Promise<Page> => {
      const res = await fx.app.inject({ method: 'GET', url: `/api/v1/work-items?${query}`, headers });
      assert.equal(res.statusCode, 200, res.body);
      return res.json<Page>();
    };

    /** Follows nextCursor to the end; returns every page. */
    const allPages = async (query: string): Promise<Page[]> => {
      const pages: Page[] = [];
      let cursor: string | null = null;
      do {
        const page = await list(cursor ? `${query}&cursor=${cursor}` : query);
        pages.push(page);
        cursor = page.nextCursor;
      } while (cursor);
      return pages;
    };

    it('creates an incident with defaults and display id IR<id>', async () => {
      const wi = await create({ class: 'incident', title: 'Printer on fire' });
      assert.equal(typeof wi.id, 'number');
      assert.equal(wi.displayId, `IR${wi.id}`);
      assert.equal(wi.class, 'incident');
      assert.equal(wi.status, 'active');
      assert.equal(wi.description, null);
      assert.equal(wi.priority, null);
      assert.equal(wi.assignedTo, null);
      assert.equal(wi.affectedUser, null);
      assert.deepEqual(wi.properties, {});
      assert.equal(new Date(wi.createdAt).toISOString(), wi.createdAt);
      assert.equal(wi.updatedAt, wi.createdAt);
    });

    it('creates a service request with every field and display id SR<id>', async () => {
      const wi = await create({
        class: 'service-request',
        title: 'New laptop',
        description: 'For the new hire',
        priority: 3,
        status: 'pending',
        assignedTo: 'desk',
        affectedUser: 'alice',
        properties: { model: 'X1', accessories: ['dock'], budget: { eur: 1500 } },
      });
      assert.equal(wi.displayId, `SR${wi.id}`);
      assert.equal(wi.description, 'For the new hire');
      assert.equal(wi.priority, 3);
      assert.equal(wi.status, 'pending');
      assert.equal(wi.assignedTo, 'desk');
      assert.equal(wi.affectedUser, 'alice');
      assert.deepEqual(wi.properties, { model: 'X1', accessories: ['dock'], budget: { eur: 1500 } });
      const stored = await fx.db.query<{ display_id: string }>(
        'SELECT display_id FROM work_items WHERE id = $1',
        [wi.id],
      );
      assert.equal(stored.rows[0]?.display_id, `SR${wi.id}`);
    });

    it('gets a work item by id', async () => {
      const wi = await create({ class: 'incident', title: 'VPN down', priority: 1 });
      const res = await fx.app.inject({ method: 'GET', url: `/api/v1/work-items/${wi.id}`, headers });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), wi);
    });

    it('patches mutable fields, bumps updatedAt, keeps the rest, and audits', async () => {
      const wi = await create({
        class: 'incident',
        title: 'Mail slow',
        description: 'since 9:00',
        priority: 2,
      });
      const res = await fx.app.inject({
        method: 'PATCH',
        url: `/api/v1/work-items/${wi.id}`,
        headers,
        payload: { status: 'resolved', description: null, assignedTo: 'bob', properties: { cause: 'disk' } },
      });
      assert.equal(res.statusCode, 200, res.body);
      const patched = res.json<WorkItem>();
      assert.equal(patched.status, 'resolved');
      assert.equal(patched.description, null);
      assert.equal(patched.assignedTo, 'bob');
      assert.deepEqual(patched.properties, { cause: 'disk' });
      assert.equal(patched.title, 'Mail slow');
      assert.equal(patched.priority, 2);
      assert.equal(patched.class, 'incident');
      assert.equal(patched.displayId, wi.displayId);
      assert.equal(patched.createdAt, wi.createdAt);
      assert.ok(Date.parse(patched.updatedAt) > Date.parse(wi.updatedAt), 'updatedAt bumps');
      const again = await fx.app.inject({ method: 'GET', url: `/api/v1/work-items/${wi.id}`, headers });
      assert.deepEqual(again.json(), patched);

      const audit = await fx.db.query<{ actor: string; action: string; target: string; details: unknown }>(
        `SELECT actor, action, target, details FROM audit_log WHERE target = $1 ORDER BY id`,
        [wi.displayId],
      );
      assert.deepEqual(
        audit.rows.map((r) => [r.actor, r.action]),
        [
          [fx.username, 'work-item.created'],
          [fx.username, 'work-item.updated'],
        ],
      );
    });

    it('class is immutable: a PATCH naming it is refused and changes nothing', async () => {
      const wi = await create({ class: 'incident', title: 'Keyboard' });
      const res = await fx.app.inject({
        method: 'PATCH',
        url: `/api/v1/work-items/${wi.id}`,
        headers,
        payload: { class: 'service-request', title: 'Changed' },
      });
      expectError(res, 400, 'VALIDATION');
      const again = await fx.app.inject({ method: 'GET', url: `/api/v1/work-items/${wi.id}`, headers });
      assert.deepEqual(again.json(), wi);
    });

    it('paginates across several pages: every item exactly once, in id order', async () => {
      for (let i = 0; i < 11; i++) {
        await create({
          class: i % 3 === 0 ? 'service-request' : 'incident',
          title: `bulk ${i}`,
          status: i % 2 ? 'pending' : 'active',
        });
      }
      const everything = (await allPages('limit=500')).flatMap((p) => p.items);
      const pages = await allPages('limit=4');
      assert.ok(pages.length >= 4, `${pages.length} pages`);
      for (const p of pages.slice(0, -1)) assert.equal(p.items.length, 4);
      assert.equal(pages.at(-1)?.nextCursor, null);
      const ids = pages.flatMap((p) => p.items.map((w) => w.id));
      assert.deepEqual(
        ids,
        everything.map((w) => w.id),
      );
      assert.equal(new Set(ids).size, ids.length, 'no item twice');
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
      );
      const count = await fx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM work_items');
      assert.equal(ids.length, count.rows[0]?.n);
    });

    it('a page that ends exactly at the last item has nextCursor null', async () => {
      const total = (await list('limit=500')).items.length;
      const page = await list(`limit=${total}`);
      assert.equal(page.items.length, total);
      assert.equal(page.nextCursor, null);
    });

    it('the default page size is 50', async () => {
      for (let i = 0; i < 45; i++) await create({ class: 'incident', title: `more ${i}` });
      const page = await list('');
      assert.equal(page.items.length, 50);
      assert.notEqual(page.nextCursor, null);
    });

    it('filters by class and status, across pages', async () => {
      const all = (await allPages('limit=500')).flatMap((p) => p.items);
      for (const [query, keep] of [
        ['class=incident', (w: WorkItem) => w.class === 'incident'],
        ['class=service-request', (w: WorkItem) => w.class === 'service-request'],
        ['status=pending', (w: WorkItem) => w.status === 'pending'],
        ['class=incident&status=pending', (w: WorkItem) => w.class === 'incident' && w.status === 'pending'],
        ['status=closed', (_w: WorkItem) => false],
      ] as const) {
        const pages = await allPages(`${query}&limit=3`);
        const ids = pages.flatMap((p) => p.items.map((w) => w.id));
        assert.deepEqual(
          ids,
          all.filter(keep).map((w) => w.id),
          query,
        );
      }
    });

    it('an item created between pages shows up on a later page', async () => {
      const first = await list('limit=2');
      const wi = await create({ class: 'incident', title: 'late arrival' });
      const rest = (await allPages(`limit=500&cursor=${first.nextCursor}`)).flatMap((p) => p.items);
      assert.equal(rest.at(-1)?.id, wi.id);
      assert.ok(rest.every((w) => !first.items.some((f) => f.id === w.id)));
    });

    it('a work item is named by its display id too (any case), wherever its id is taken', async () => {
      const wi = await create({ class: 'incident', title: 'Named by IR' });
      for (const ref of [wi.displayId, wi.displayId.toLowerCase()]) {
        const res = await fx.app.inject({ method: 'GET', url: `/api/v1/work-items/${ref}`, headers });
        assert.equal(res.statusCode, 200, res.body);
        assert.deepEqual(res.json(), wi);
      }
      const patched = await fx.app.inject({
        method: 'PATCH',
        url: `/api/v1/work-items/${wi.displayId}`,
        headers,
        payload: { priority: 3 },
      });
      assert.equal(patched.json<WorkItem>().priority, 3);
      const comment = await fx.app.inject({
        method: 'POST',
        url: `/api/v1/work-items/${wi.displayId}/comments`,
        headers,
        payload: { body: 'by display id' },
      });
      assert.equal(comment.statusCode, 201, comment.body);
      // The prefix must be the item's own: SR<id> of an incident names nothing.
      for (const ref of [`SR${wi.id}`, `XX${wi.id}`]) {
        const res = await fx.app.inject({ method: 'GET', url: `/api/v1/work-items/${ref}`, headers });
        expectError(res, 404, 'NOT_FOUND');
      }
    });

    it('unknown and malformed ids are 404 NOT_FOUND', async () => {
      for (const id of [
        '999999',
        'IR999999',
        'abc',
        '0',
        'IR0',
        '-1',
        '1.5',
        '1e3',
        '99999999999999999999',
        '%20',
      ]) {
        const get = await fx.app.inject({ method: 'GET', url: `/api/v1/work-items/${id}`, headers });
        expectError(get, 404, 'NOT_FOUND');
        const patch = await fx.app.inject({
          method: 'PATCH',
          url: `/api/v1/work-items/${id}`,
          headers,
          payload: { title: 'x' },
        });
        expectError(patch, 404, 'NOT_FOUND');
      }
    });
  });
}
