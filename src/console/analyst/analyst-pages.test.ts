/**
 * The analyst pages over inject (both engines): the unassigned queue shows a
 * new incident, sorted and paged; the work item page; assign to me, status,
 * resolve with a resolution, comment (through the API: history); the live
 * fragment answers 304 while unchanged and the new facts after a change
 * through the API; new from a template; configuration items; search by
 * display id and title; a refused change shows the API's message and
 * changes nothing; HTML in a title is escaped everywhere.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApiFixture, openApiFixture } from '../../../test/support/api-fixture.js';
import { ENGINES } from '../../../test/support/engines.js';
import { InjectAgent } from '../console-app.test.js';

const EVIL = '<script>alert(1)</script><b>x</b>';

for (const makeEngine of ENGINES) {
  describe(`console analyst pages (${makeEngine().name})`, () => {
    let fx: ApiFixture;
    let token: string;
    let ann: InjectAgent;
    before(async () => {
      fx = await openApiFixture(makeEngine);
      token = await fx.addUser('ann', 'analyst', 'ann password 1');
      ann = new InjectAgent(fx.app);
      assert.equal((await ann.signIn('ann', 'ann password 1')).statusCode, 303);
    });
    after(() => fx?.close());

    const create = async (body: Record<string, unknown>) => {
      const r = await fx.app.inject({
        method: 'POST',
        url: '/api/v1/work-items',
        headers: fx.auth(token),
        payload: body,
      });
      assert.equal(r.statusCode, 201, r.body);
      return r.json<{ id: number; displayId: string }>();
    };

    it('the unassigned queue lists open unassigned incidents, sortable and paged', async () => {
      for (let i = 1; i <= 27; i++)
        await create({ class: 'incident', title: `Bulk ${i}`, priority: (i % 4) + 1 });
      const page1 = await ann.send('GET', '/console/queues/unassigned-incidents');
      assert.equal(page1.statusCode, 200, page1.body);
      assert.equal((page1.body.match(/<tr>/g) ?? []).length, 1 + 25);
      assert.match(page1.body, /href="\/console\/queues\/unassigned-incidents\?page=2"/);
      const page2 = await ann.send('GET', '/console/queues/unassigned-incidents?page=2');
      assert.equal((page2.body.match(/<tr>/g) ?? []).length, 1 + 2);
      const sorted = await ann.send('GET', '/console/queues/unassigned-incidents?sort=priority&dir=desc');
      assert.match(sorted.body, /aria-sort="descending"/);
      const first = /<td>(\d) (Critical|High|Medium|Low)<\/td>/.exec(sorted.body);
      assert.equal(first?.[1], '4');
      const list = await ann.send('GET', '/console/queues');
      assert.match(list.body, /Unassigned incidents/);
      assert.equal((await ann.send('GET', '/console/queues/no-such-queue')).statusCode, 404);
    });

    it('take, change status, comment and resolve an incident; the live fragment follows', async () => {
      const wi = await create({ class: 'incident', title: `Printer ${EVIL}`, description: 'Jammed' });
      const page = await ann.send('GET', `/console/work-items/${wi.displayId}`);
      assert.equal(page.statusCode, 200);
      assert.ok(!page.body.includes('<script>alert'), 'the title is escaped');
      assert.match(page.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
      assert.match(page.body, /<script src="\/console\/static\/live.js" defer><\/script>/);
      const etag = /data-live-etag="([^"]+)"/.exec(page.body)?.[1]?.replace(/&quot;/g, '"');
      assert.ok(etag);
      const unchanged = await fx.app.inject({
        method: 'GET',
        url: `/console/work-items/${wi.displayId}/live`,
        headers: { cookie: ann.cookie, 'if-none-match': etag },
      });
      assert.equal(unchanged.statusCode, 304);

      const csrf = await ann.csrf(`/console/work-items/${wi.displayId}`);
      const take = await ann.send('POST', `/console/work-items/${wi.displayId}/assign`, {
        _csrf: csrf,
        me: '1',
      });
      assert.equal(take.statusCode, 303);
      assert.equal(take.headers.location, `/console/work-items/${wi.displayId}?done=assigned`);
      const changed = await fx.app.inject({
        method: 'GET',
        url: `/console/work-items/${wi.displayId}/live`,
        headers: { cookie: ann.cookie, 'if-none-match': etag },
      });
      assert.equal(changed.statusCode, 200);
      assert.equal(changed.headers['x-smgr-fragment'], '1');
      assert.match(changed.body, /<dt>Assigned to<\/dt><dd>ann<\/dd>/);
      assert.match(changed.body, /assigned it to ann/);

      const st = await ann.send('POST', `/console/work-items/${wi.displayId}/status`, {
        _csrf: csrf,
        status: 'pending',
        priority: '2',
      });
      assert.equal(st.statusCode, 303);
      const note = await ann.send('POST', `/console/work-items/${wi.displayId}/comments`, {
        _csrf: csrf,
        comment: `Looking ${EVIL}`,
        private: '1',
      });
      assert.equal(note.statusCode, 303);
      const empty = await ann.send('POST', `/console/work-items/${wi.displayId}/resolve`, {
        _csrf: csrf,
        category: 'Other',
        resolution: ' ',
      });
      assert.equal(empty.statusCode, 400);
      assert.match(empty.body, /Say how it was resolved/);
      const resolved = await ann.send('POST', `/console/work-items/${wi.displayId}/resolve`, {
        _csrf: csrf,
        category: 'Fixed by analyst',
        resolution: 'Cleared the jam',
      });
      assert.equal(resolved.statusCode, 303);
      const api = await fx.app.inject({
        method: 'GET',
        url: `/api/v1/work-items/${wi.id}`,
        headers: fx.auth(token),
      });
      assert.equal(api.json().status, 'resolved');
      assert.equal(api.json().assignedTo, 'ann');
      assert.equal(api.json().priority, 2);
      const after = await ann.send('GET', `/console/work-items/${wi.displayId}?done=resolved`);
      assert.match(after.body, /Resolution \(Fixed by analyst\): Cleared the jam/);
      assert.match(after.body, /private note/);
      assert.match(after.body, /Looking &lt;script&gt;/);
      assert.match(after.body, /set the status to resolved/);
      assert.match(after.body, /role="status"><p>Resolved.<\/p>/);
    });

    it('a change the API refuses shows its message and changes nothing', async () => {
      const wi = await create({ class: 'incident', title: 'Refusal' });
      const csrf = await ann.csrf(`/console/work-items/${wi.displayId}`);
      const r = await ann.send('POST', `/console/work-items/${wi.displayId}/assign`, {
        _csrf: csrf,
        assignedTo: 'x'.repeat(300),
      });
      assert.equal(r.statusCode, 400);
      const bad = await ann.send('POST', `/console/work-items/${wi.displayId}/status`, {
        _csrf: csrf,
        status: 'nonsense',
        priority: '',
      });
      assert.equal(bad.statusCode, 400);
      const api = await fx.app.inject({
        method: 'GET',
        url: `/api/v1/work-items/${wi.id}`,
        headers: fx.auth(token),
      });
      assert.equal(api.json().assignedTo, null);
      assert.equal(api.json().status, 'active');
      assert.equal((await ann.send('GET', '/console/work-items/IR999999')).statusCode, 404);
      assert.equal((await ann.send('GET', '/console/work-items/not-an-id!')).statusCode, 404);
    });

    it('a new incident from the form; configuration items; search by display id and title', async () => {
      assert.match((await ann.send('GET', '/console/new')).body, /New service request/);
      const csrf = await ann.csrf('/console/new/incident');
      const missing = await ann.send('POST', '/console/new/incident', { _csrf: csrf, title: '' });
      assert.equal(missing.statusCode, 400);
      assert.match(missing.body, /Give it a title/);
      const made = await ann.send('POST', '/console/new/incident', {
        _csrf: csrf,
        title: 'Made in the console',
        priority: '1',
        affectedUser: 'bob',
      });
      assert.equal(made.statusCode, 303);
      const id = String(made.headers.location).split('/').pop()!;
      assert.match(id, /^IR\d+$/);
      const ci = await fx.app.inject({
        method: 'POST',
        url: '/api/v1/config-items',
        headers: fx.auth(token),
        payload: { class: 'computer', name: `PC-${EVIL}` },
      });
      assert.equal(ci.statusCode, 201, ci.body);
      const list = await ann.send('GET', '/console/config-items?class=computer');
      assert.match(list.body, /PC-&lt;script&gt;/);
      const one = await ann.send('GET', `/console/config-items/${ci.json().id}`);
      assert.equal(one.statusCode, 200);
      const byId = await ann.send('GET', `/console/search?q=${id.toLowerCase()}`);
      assert.match(byId.body, new RegExp(`href="/console/work-items/${id}"`));
      const byTitle = await ann.send('GET', '/console/search?q=in%20the%20CONSOLE');
      assert.match(byTitle.body, /Made in the console/);
      const wild = await ann.send('GET', '/console/search?q=%25');
      assert.match(wild.body, /No work item matches/);
      const ciHit = await ann.send('GET', '/console/search?q=PC-');
      assert.match(ciHit.body, /href="\/console\/config-items\/\d+"/);
    });

    it('relates a configuration item from the work item page, shows it both ways, unrelates it (history, API)', async () => {
      const wi = await create({ class: 'incident', title: 'Slow laptop' });
      const ci = await fx.app.inject({
        method: 'POST',
        url: '/api/v1/config-items',
        headers: fx.auth(token),
        payload: { class: 'computer', name: 'LAPTOP-7' },
      });
      const ciId = ci.json<{ id: number }>().id;
      const csrf = await ann.csrf(`/console/work-items/${wi.displayId}`);
      const unknown = await ann.send('POST', `/console/work-items/${wi.displayId}/config-items`, {
        _csrf: csrf,
        name: 'NO-SUCH',
      });
      assert.equal(unknown.statusCode, 400);
      assert.match(unknown.body, /No configuration item is named “NO-SUCH”/);
      const rel = await ann.send('POST', `/console/work-items/${wi.displayId}/config-items`, {
        _csrf: csrf,
        name: 'laptop-7',
      });
      assert.equal(rel.statusCode, 303);
      const again = await ann.send('POST', `/console/work-items/${wi.displayId}/config-items`, {
        _csrf: csrf,
        name: 'LAPTOP-7',
      });
      assert.equal(again.statusCode, 303, 'relating twice is no error');
      const page = await ann.send('GET', `/console/work-items/${wi.displayId}`);
      assert.match(page.body, new RegExp(`href="/console/config-items/${ciId}">LAPTOP-7</a>`));
      assert.match(page.body, /related LAPTOP-7/);
      assert.equal((page.body.match(/related LAPTOP-7/g) ?? []).length, 1, 'one history entry');
      const ciPage = await ann.send('GET', `/console/config-items/${ciId}`);
      assert.match(ciPage.body, new RegExp(`href="/console/work-items/${wi.displayId}"`));
      const byApi = await fx.app.inject({
        method: 'GET',
        url: `/api/v1/work-items/${wi.id}/config-items`,
        headers: fx.auth(token),
      });
      assert.deepEqual(
        byApi.json().items.map((c: { name: string }) => c.name),
        ['LAPTOP-7'],
      );
      const un = await ann.send('POST', `/console/work-items/${wi.displayId}/config-items/${ciId}/remove`, {
        _csrf: csrf,
      });
      assert.equal(un.statusCode, 303);
      const after = await ann.send('GET', `/console/work-items/${wi.displayId}`);
      assert.match(after.body, /unrelated LAPTOP-7/);
      assert.doesNotMatch(after.body, new RegExp(`href="/console/config-items/${ciId}"`));
      const gone = await fx.app.inject({
        method: 'DELETE',
        url: `/api/v1/work-items/${wi.id}/config-items/${ciId}`,
        headers: fx.auth(token),
      });
      assert.equal(gone.statusCode, 404);
      const eve = await fx.addUser('eve', 'end-user', 'eve password 1');
      const refused = await fx.app.inject({
        method: 'POST',
        url: `/api/v1/work-items/${wi.id}/config-items`,
        headers: fx.auth(eve),
        payload: { configItemId: ciId },
      });
      assert.equal(refused.statusCode, 403);
      const noCi = await fx.app.inject({
        method: 'POST',
        url: `/api/v1/work-items/${wi.id}/config-items`,
        headers: fx.auth(token),
        payload: { configItemId: 999999 },
      });
      assert.equal(noCi.statusCode, 404);
    });
  });
}
