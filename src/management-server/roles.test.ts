/**
 * Roles on both engines, through the API as each role would use it:
 * administrators may do everything; analysts work every work item but get
 * 403 on users and Run As accounts; end users get 403 on everything but their
 * own work items and approvals, and another user's work item is answered
 * exactly like a missing one (404, the same words) by id, by display id, and
 * through its comments, history and approvals; lists hold only their own.
 * Every refusal leaves the database as it was.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { type ApiFixture, expectError, openApiFixture } from '../../test/support/api-fixture.js';
import { ENGINES } from '../../test/support/engines.js';
import { dumpDatabase } from '../../test/support/snapshot.js';
import type { WorkItem } from './work-item-store.js';

type Role = 'administrator' | 'analyst' | 'end-user';
type Call = { method: InjectOptions['method']; url: string; payload?: object };

const RUN_AS = '0b0c6c2e-4a4e-4f51-9d3e-8c1a0f2f0d11';

/** Routes closed to some roles, and the roles that get 403 on them. */
const CLOSED: Array<[Call, Role[]]> = [
  [{ method: 'GET', url: '/api/v1/users' }, ['analyst', 'end-user']],
  [
    {
      method: 'POST',
      url: '/api/v1/users',
      payload: { username: 'x1', role: 'analyst', password: 'p'.repeat(9) },
    },
    ['analyst', 'end-user'],
  ],
  [{ method: 'GET', url: '/api/v1/users/admin' }, ['analyst', 'end-user']],
  [{ method: 'GET', url: '/api/v1/users/nobody-at-all' }, ['analyst', 'end-user']],
  [{ method: 'PATCH', url: '/api/v1/users/admin', payload: { disabled: true } }, ['analyst', 'end-user']],
  [
    { method: 'PUT', url: '/api/v1/users/admin/password', payload: { password: 'p'.repeat(9) } },
    ['analyst', 'end-user'],
  ],
  [{ method: 'GET', url: '/api/v1/run-as-accounts' }, ['analyst', 'end-user']],
  [
    { method: 'POST', url: '/api/v1/run-as-accounts', payload: { name: 'n', username: 'u', password: 'p' } },
    ['analyst', 'end-user'],
  ],
  [{ method: 'GET', url: `/api/v1/run-as-accounts/${RUN_AS}` }, ['analyst', 'end-user']],
  [
    { method: 'POST', url: `/api/v1/run-as-accounts/${RUN_AS}/verify`, payload: { password: 'p' } },
    ['analyst', 'end-user'],
  ],
  [{ method: 'GET', url: '/api/v1/config-items' }, ['end-user']],
  [
    { method: 'POST', url: '/api/v1/config-items', payload: { class: 'computer', name: 'pc9' } },
    ['end-user'],
  ],
  [{ method: 'GET', url: '/api/v1/config-items/1' }, ['end-user']],
  [{ method: 'PATCH', url: '/api/v1/config-items/1', payload: { name: 'pc8' } }, ['end-user']],
  [
    { method: 'POST', url: '/api/v1/work-items/1/approvals', payload: { approver: 'ana', title: 't' } },
    ['end-user'],
  ],
];

for (const makeEngine of ENGINES) {
  describe(`roles (${makeEngine().name})`, () => {
    let fx: ApiFixture;
    const token: Record<string, string> = {};
    let eveItem: WorkItem;
    let bobItem: WorkItem;
    let deskItem: WorkItem;

    const call = (who: string, c: Call): Promise<LightMyRequestResponse> =>
      fx.app.inject({ ...c, headers: fx.auth(token[who]!) } as InjectOptions);

    const ok = async (who: string, c: Call, status = 200) => {
      const res = await call(who, c);
      assert.equal(res.statusCode, status, `${who} ${c.method} ${c.url}: ${res.body}`);
      return res.json();
    };

    before(async () => {
      fx = await openApiFixture(makeEngine);
      token.admin = await fx.login();
      token.ana = await fx.addUser('ana', 'analyst');
      token.eve = await fx.addUser('eve', 'end-user');
      token.bob = await fx.addUser('bob', 'end-user');
      const wi = (payload: object) =>
        ok('admin', { method: 'POST', url: '/api/v1/work-items', payload }, 201) as Promise<WorkItem>;
      eveItem = await wi({ class: 'incident', title: 'Eve printer', affectedUser: 'eve' });
      bobItem = await wi({ class: 'service-request', title: 'Bob laptop', affectedUser: 'bob' });
      deskItem = await wi({ class: 'incident', title: 'Desk only' });
    });
    after(() => fx.close());

    it('each role gets 403 FORBIDDEN on the routes it may not use, and nothing changes', async () => {
      const who: Record<Role, string> = { administrator: 'admin', analyst: 'ana', 'end-user': 'eve' };
      const before = await dumpDatabase(fx.db);
      for (const [c, closedTo] of CLOSED) {
        for (const role of closedTo) {
          const message = expectError(await call(who[role], c), 403, 'FORBIDDEN');
          const label = role === 'end-user' ? 'end user' : role;
          assert.match(message, new RegExp(`^Your role \\(${label}\\) may not `), `${c.method} ${c.url}`);
        }
      }
      assert.equal(await dumpDatabase(fx.db), before);
      // The same calls by an administrator are never 403.
      for (const [c] of CLOSED) {
        const res = await call('admin', c);
        assert.notEqual(res.statusCode, 403, `${c.method} ${c.url}: ${res.body}`);
      }
    });

    it("another user's work item is answered exactly like a missing one, however it is named", async () => {
      const missing = 999_999;
      const before = await dumpDatabase(fx.db);
      const pairs: Array<[Call, Call]> = [];
      for (const [theirs, none] of [
        [String(bobItem.id), String(missing)],
        [bobItem.displayId, `SR${missing}`],
        [bobItem.displayId.toLowerCase(), `sr${missing}`],
      ] as const) {
        for (const [method, suffix, payload] of [
          ['GET', '', undefined],
          ['PATCH', '', { title: 'mine now' }],
          ['PATCH', '', { status: 'closed' }],
          ['GET', '/comments', undefined],
          ['POST', '/comments', { body: 'hello' }],
          ['POST', '/comments', { body: 'hello', private: true }],
          ['GET', '/history', undefined],
          ['GET', '/approvals', undefined],
        ] as const) {
          pairs.push([
            { method, url: `/api/v1/work-items/${theirs}${suffix}`, payload },
            { method, url: `/api/v1/work-items/${none}${suffix}`, payload },
          ]);
        }
      }
      for (const [theirs, none] of pairs) {
        const a = await call('eve', theirs);
        const b = await call('eve', none);
        const ma = expectError(a, 404, 'NOT_FOUND');
        const mb = expectError(b, 404, 'NOT_FOUND');
        const id = theirs.url.split('/')[4]!;
        assert.equal(ma.replace(id, '<id>'), mb.replace(none.url.split('/')[4]!, '<id>'), theirs.url);
        assert.deepEqual(Object.keys(a.headers).sort(), Object.keys(b.headers).sort());
      }
      assert.equal(await dumpDatabase(fx.db), before);
    });

    it('an end user lists only their own work items, across pages and filters', async () => {
      for (let i = 0; i < 3; i++) {
        await ok(
          'admin',
          {
            method: 'POST',
            url: '/api/v1/work-items',
            payload: { class: 'incident', title: `eve ${i}`, affectedUser: 'eve' },
          },
          201,
        );
      }
      const ids: number[] = [];
      let cursor: string | null = null;
      do {
        const page = (await ok('eve', {
          method: 'GET',
          url: `/api/v1/work-items?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        })) as { items: WorkItem[]; nextCursor: string | null };
        assert.ok(page.items.every((w) => w.affectedUser === 'eve'));
        ids.push(...page.items.map((w) => w.id));
        cursor = page.nextCursor;
      } while (cursor);
      const theirs = await fx.db.query<{ id: number }>(
        `SELECT id FROM work_items WHERE affected_user = 'eve' ORDER BY id`,
      );
      assert.deepEqual(
        ids,
        theirs.rows.map((r) => r.id),
      );
      const bobs = (await ok('bob', { method: 'GET', url: '/api/v1/work-items?class=service-request' })) as {
        items: WorkItem[];
      };
      assert.deepEqual(
        bobs.items.map((w) => w.id),
        [bobItem.id],
      );
      // Analysts see the queue: every work item, the desk's too.
      const all = (await ok('ana', { method: 'GET', url: '/api/v1/work-items?limit=500' })) as {
        items: WorkItem[];
      };
      assert.ok([eveItem.id, bobItem.id, deskItem.id].every((id) => all.items.some((w) => w.id === id)));
    });

    it('an end user creates work items for themselves and changes only title, description, properties', async () => {
      const mine = (await ok(
        'eve',
        {
          method: 'POST',
          url: '/api/v1/work-items',
          payload: { class: 'incident', title: 'VPN down', description: 'since 9:00' },
        },
        201,
      )) as WorkItem;
      assert.equal(mine.affectedUser, 'eve');
      const before = await dumpDatabase(fx.db);
      for (const payload of [
        { class: 'incident', title: 'for bob', affectedUser: 'bob' },
        { class: 'incident', title: 'urgent', priority: 1 },
        { class: 'incident', title: 'mine', assignedTo: 'eve' },
        { class: 'incident', title: 'done', status: 'resolved' },
      ]) {
        const message = expectError(
          await call('eve', { method: 'POST', url: '/api/v1/work-items', payload }),
          403,
          'FORBIDDEN',
        );
        assert.match(message, /may not set (affectedUser|priority|assignedTo|status) of a work item/);
      }
      for (const payload of [
        { status: 'closed' },
        { assignedTo: 'eve' },
        { affectedUser: 'bob' },
        { title: 'x', priority: 2 },
      ]) {
        const message = expectError(
          await call('eve', { method: 'PATCH', url: `/api/v1/work-items/${mine.displayId}`, payload }),
          403,
          'FORBIDDEN',
        );
        assert.match(message, /may not set/);
      }
      assert.equal(await dumpDatabase(fx.db), before);
      const patched = (await ok('eve', {
        method: 'PATCH',
        url: `/api/v1/work-items/${mine.displayId}`,
        payload: { title: 'VPN down again', properties: { office: 'Lyon' } },
      })) as WorkItem;
      assert.equal(patched.title, 'VPN down again');
      // An analyst works it: assigns and resolves.
      const worked = (await ok('ana', {
        method: 'PATCH',
        url: `/api/v1/work-items/${mine.id}`,
        payload: { assignedTo: 'ana', status: 'resolved', priority: 2 },
      })) as WorkItem;
      assert.equal(worked.status, 'resolved');
      const seen = (await ok('eve', {
        method: 'GET',
        url: `/api/v1/work-items/${mine.displayId}`,
      })) as WorkItem;
      assert.equal(seen.status, 'resolved');
    });

    it('comments: end users comment on their own work items and never see private notes', async () => {
      const url = `/api/v1/work-items/${eveItem.displayId}/comments`;
      const c1 = await ok('eve', { method: 'POST', url, payload: { body: 'It smells of smoke' } }, 201);
      assert.deepEqual(
        { ...c1, createdAt: 'x' },
        {
          id: c1.id,
          workItemId: eveItem.id,
          author: 'eve',
          body: 'It smells of smoke',
          private: false,
          createdAt: 'x',
        },
      );
      expectError(
        await call('eve', { method: 'POST', url, payload: { body: 'psst', private: true } }),
        403,
        'FORBIDDEN',
      );
      await ok('ana', { method: 'POST', url, payload: { body: 'User is difficult', private: true } }, 201);
      await ok('ana', { method: 'POST', url, payload: { body: 'Technician on the way' } }, 201);
      const eveSees = (await ok('eve', { method: 'GET', url })) as { items: Array<{ body: string }> };
      assert.deepEqual(
        eveSees.items.map((c) => c.body),
        ['It smells of smoke', 'Technician on the way'],
      );
      const anaSees = (await ok('ana', { method: 'GET', url })) as { items: Array<{ body: string }> };
      assert.equal(anaSees.items.length, 3);
      const history = (await ok('eve', {
        method: 'GET',
        url: `/api/v1/work-items/${eveItem.id}/history`,
      })) as {
        items: Array<{ actor: string; change: Record<string, { private?: boolean }> }>;
      };
      assert.ok(history.items.every((h) => h.change.commented?.private !== true));
      assert.equal(history.items.filter((h) => h.change.commented).length, 2);
      const full = (await ok('ana', { method: 'GET', url: `/api/v1/work-items/${eveItem.id}/history` })) as {
        items: unknown[];
      };
      assert.equal(full.items.length, history.items.length + 1);
    });

    it('approvals: the approver sees and answers theirs, once; nobody else can', async () => {
      const requested = await ok(
        'ana',
        {
          method: 'POST',
          url: `/api/v1/work-items/${bobItem.displayId}/approvals`,
          payload: { approver: 'eve', title: 'Approve a laptop for Bob?' },
        },
        201,
      );
      assert.equal(requested.status, 'pending');
      assert.equal(requested.workItem.displayId, bobItem.displayId);
      expectError(
        await call('ana', {
          method: 'POST',
          url: `/api/v1/work-items/${bobItem.id}/approvals`,
          payload: { approver: 'nobody', title: 't' },
        }),
        400,
        'VALIDATION',
      );
      const mine = (await ok('eve', { method: 'GET', url: '/api/v1/approvals?status=pending' })) as {
        items: Array<{ id: number; workItem: { title: string } }>;
      };
      assert.deepEqual(
        mine.items.map((a) => [a.id, a.workItem.title]),
        [[requested.id, 'Bob laptop']],
      );
      // The approver still cannot open the work item itself: it is not theirs.
      expectError(
        await call('eve', { method: 'GET', url: `/api/v1/work-items/${bobItem.id}` }),
        404,
        'NOT_FOUND',
      );
      const url = `/api/v1/approvals/${requested.id}`;
      const before = await dumpDatabase(fx.db);
      expectError(await call('bob', { method: 'GET', url }), 404, 'NOT_FOUND');
      expectError(
        await call('bob', { method: 'POST', url: `${url}/decision`, payload: { decision: 'approved' } }),
        404,
        'NOT_FOUND',
      );
      expectError(
        await call('ana', { method: 'POST', url: `${url}/decision`, payload: { decision: 'approved' } }),
        403,
        'FORBIDDEN',
      );
      expectError(
        await call('eve', { method: 'GET', url: '/api/v1/approvals?approver=bob' }),
        403,
        'FORBIDDEN',
      );
      const bobs = (await ok('bob', { method: 'GET', url: '/api/v1/approvals' })) as { items: unknown[] };
      assert.deepEqual(bobs.items, []);
      assert.equal(await dumpDatabase(fx.db), before);
      const decided = await ok('eve', {
        method: 'POST',
        url: `${url}/decision`,
        payload: { decision: 'rejected', comment: 'Not in the budget' },
      });
      assert.equal(decided.status, 'rejected');
      assert.equal(decided.comment, 'Not in the budget');
      assert.ok(decided.decidedAt);
      expectError(
        await call('eve', { method: 'POST', url: `${url}/decision`, payload: { decision: 'approved' } }),
        409,
        'APPROVAL_DECIDED',
      );
      const onItem = (await ok('bob', {
        method: 'GET',
        url: `/api/v1/work-items/${bobItem.id}/approvals`,
      })) as {
        items: Array<{ status: string }>;
      };
      assert.deepEqual(
        onItem.items.map((a) => a.status),
        ['rejected'],
      );
      const history = (await ok('bob', {
        method: 'GET',
        url: `/api/v1/work-items/${bobItem.id}/history`,
      })) as {
        items: Array<{ actor: string; change: Record<string, unknown> }>;
      };
      assert.deepEqual(history.items.at(-1), {
        ...history.items.at(-1),
        actor: 'eve',
        change: { approval: { id: requested.id, decision: 'rejected' } },
      });
      const all = (await ok('ana', { method: 'GET', url: '/api/v1/approvals?approver=eve' })) as {
        items: unknown[];
      };
      assert.equal(all.items.length, 1);
    });

    it('GET /sessions/current names the user, the role and what it may do', async () => {
      const me = await ok('eve', { method: 'GET', url: '/api/v1/sessions/current' });
      assert.equal(me.user.username, 'eve');
      assert.equal(me.user.role, 'end-user');
      assert.deepEqual(me.permissions, ['work-items:own', 'approvals:answer']);
    });
  });
}
