/**
 * The administrator pages and the recovery dashboard on a built API
 * (inject, both engines): an analyst and an end user get the 403 page on
 * every administrator route, GET and POST, and nothing changes; an
 * administrator opens every page; a pack file uploaded (multipart) is
 * imported and its HTML name is text; a multipart post without the CSRF
 * token is refused and imports nothing; a Run As password is never in any
 * answer; a display name with HTML is text; promote asks first, refuses a
 * stale confirmation, then moves the lease; the dashboard's fragment has an
 * ETag and answers 304 while nothing changed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApiFixture, countRows, openApiFixture } from '../../../test/support/api-fixture.js';
import { ENGINES } from '../../../test/support/engines.js';
import { docExample } from '../../../test/support/pack-example.js';
import { dumpDatabase } from '../../../test/support/snapshot.js';
import { registerComputer } from '../../management-group/registration.js';
import { readLease } from '../../management-group/workflow-lease.js';
import { assessReadiness } from '../../recovery/readiness.js';
import { consoleRoutes } from '../console-app.js';
import { concrete, InjectAgent } from '../console-app.test.js';

const EVIL = '<script>window.__pwned = 1</script><b>bold</b>';
const ESCAPED = '&lt;script&gt;window.__pwned = 1&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;';
/** What signing in and reading pages write by themselves. */
const BY_PRODUCTS = ['audit_log', 'api_tokens', 'sign_in_throttle', 'computers.last_heartbeat'];

function multipart(fields: Record<string, string>, file?: { name: string; text: string }) {
  const boundary = `----smgr${Math.random().toString(36).slice(2)}`;
  const parts = Object.entries(fields).map(
    ([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`,
  );
  if (file) {
    parts.push(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: application/json\r\n\r\n${file.text}\r\n`,
    );
  }
  return { body: `${parts.join('')}--${boundary}--\r\n`, type: `multipart/form-data; boundary=${boundary}` };
}

for (const makeEngine of ENGINES) {
  describe(`console administrator pages (${makeEngine().name})`, () => {
    let fx: ApiFixture;
    let admin: InjectAgent;
    before(async () => {
      fx = await openApiFixture(makeEngine);
      fx.ctx.readiness = () => assessReadiness(fx.db, {});
      await fx.addUser('eve', 'end-user', 'eve password 1');
      await fx.addUser('ann', 'analyst', 'ann password 1');
      admin = new InjectAgent(fx.app);
      assert.equal((await admin.signIn(fx.username, fx.password)).statusCode, 303);
    });
    after(() => fx?.close());

    const upload = async (
      agent: InjectAgent,
      form: Record<string, string>,
      file?: { name: string; text: string },
    ) => {
      const m = multipart(form, file);
      return fx.app.inject({
        method: 'POST',
        url: '/console/admin/packs',
        headers: { cookie: agent.cookie, 'content-type': m.type },
        payload: m.body,
      });
    };

    it('an analyst and an end user get the 403 page on every administrator route; nothing changes', async () => {
      const routes = consoleRoutes(fx.app).filter((r) => r.access === 'administrator');
      assert.ok(routes.length >= 15, JSON.stringify(routes));
      assert.ok(routes.some((r) => r.url === '/console/recovery/live'));
      const before = await dumpDatabase(fx.db, BY_PRODUCTS);
      for (const [user, pw] of [
        ['ann', 'ann password 1'],
        ['eve', 'eve password 1'],
      ] as const) {
        const agent = new InjectAgent(fx.app);
        assert.equal((await agent.signIn(user, pw)).statusCode, 303);
        const csrf = await agent.csrf('/console/sign-in');
        for (const r of routes) {
          const url = concrete(r.url).replace('/packs/1/', '/packs/smgr.workitems/');
          const res = await agent.send(
            r.method as 'GET' | 'POST',
            url,
            r.method === 'POST' ? { _csrf: csrf } : undefined,
          );
          assert.equal(res.statusCode, 403, `${user} ${r.method} ${url}`);
          assert.match(res.body, /You cannot open this/);
        }
        const up = await upload(
          agent,
          { _csrf: csrf },
          { name: 'p.json', text: JSON.stringify(docExample()) },
        );
        assert.equal(up.statusCode, 403);
      }
      assert.equal(await dumpDatabase(fx.db, BY_PRODUCTS), before);
    });

    it('an administrator opens every page', async () => {
      for (const [url, heading] of [
        ['/console/admin/users', 'Users and roles'],
        ['/console/admin/run-as', 'Run As accounts'],
        ['/console/admin/packs', 'Management packs'],
        ['/console/admin/servers', 'Servers of the management group'],
        ['/console/recovery', 'Recovery dashboard'],
      ] as const) {
        const res = await admin.send('GET', url);
        assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
        assert.match(res.body, new RegExp(`<h1>${heading}</h1>`));
        assert.match(
          res.body,
          /href="\/console\/admin" aria-current="page"|href="\/console\/recovery" aria-current="page"/,
        );
      }
      const home = await admin.send('GET', '/console/admin');
      assert.equal(home.statusCode, 303);
    });

    it('a pack file is imported; its HTML name is text; without the CSRF token nothing is imported', async () => {
      const pack = docExample();
      pack.name = `Contoso ${EVIL}`;
      const text = JSON.stringify(pack);
      const before = await countRows(fx.db, ['management_packs']);
      const refused = await upload(admin, {}, { name: 'contoso.json', text });
      assert.equal(refused.statusCode, 403);
      assert.match(refused.body, /This form cannot be accepted/);
      const wrong = await upload(admin, { _csrf: 'x'.repeat(32) }, { name: 'contoso.json', text });
      assert.equal(wrong.statusCode, 403);
      assert.deepEqual(await countRows(fx.db, ['management_packs']), before);
      const csrf = await admin.csrf('/console/admin/packs');
      const none = await upload(admin, { _csrf: csrf });
      assert.equal(none.statusCode, 400);
      assert.match(none.body, /No management pack file was sent/);
      const bad = await upload(admin, { _csrf: csrf }, { name: 'bad.json', text: '{"format": 1' });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /not JSON/);
      assert.deepEqual(await countRows(fx.db, ['management_packs']), before);
      const ok = await upload(admin, { _csrf: csrf }, { name: 'contoso.json', text });
      assert.equal(ok.statusCode, 303, ok.body);
      assert.equal(
        ok.headers.location,
        '/console/admin/packs?done=pack-imported&name=contoso.servicedesk&outcome=imported',
      );
      const list = await admin.send('GET', String(ok.headers.location));
      assert.match(list.body, /Management pack contoso.servicedesk was imported\./);
      assert.ok(list.body.includes(`Contoso ${ESCAPED}`));
      assert.ok(!list.body.includes(EVIL));
      const exported = await admin.send('GET', '/console/admin/packs/contoso.servicedesk/export');
      assert.equal(exported.statusCode, 200);
      assert.equal(
        exported.headers['content-disposition'],
        'attachment; filename="contoso.servicedesk.json"',
      );
      assert.equal(JSON.parse(exported.body).name, `Contoso ${EVIL}`);
      const confirm = await admin.send('GET', '/console/admin/packs/contoso.servicedesk/remove');
      assert.match(confirm.body, /Remove management pack contoso.servicedesk\?/);
      const removed = await admin.send('POST', '/console/admin/packs/contoso.servicedesk/remove', {
        _csrf: await admin.csrf('/console/admin/packs'),
      });
      assert.equal(removed.statusCode, 303);
      const gone = await admin.send('GET', '/console/admin/packs/contoso.servicedesk/export');
      assert.equal(gone.statusCode, 404);
    });

    it('a Run As password is never in any answer; testing says whether it matches', async () => {
      const secret = 'runas-secret-4b7c19e2';
      const csrf = await admin.csrf('/console/admin/run-as');
      const made = await admin.send('POST', '/console/admin/run-as', {
        _csrf: csrf,
        name: `SQL ${EVIL}`,
        username: 'sqlreader',
        password: secret,
      });
      assert.equal(made.statusCode, 303);
      const list = await admin.send('GET', String(made.headers.location));
      assert.ok(list.body.includes(`SQL ${ESCAPED}`) && !list.body.includes(EVIL));
      const id = /action="\/console\/admin\/run-as\/([0-9a-f-]{36})\/test"/.exec(list.body)![1]!;
      const right = await admin.send('POST', `/console/admin/run-as/${id}/test`, {
        _csrf: csrf,
        password: secret,
      });
      assert.match(right.body, /The password matches the one sealed for SQL &lt;script&gt;/);
      const wrong = await admin.send('POST', `/console/admin/run-as/${id}/test`, {
        _csrf: csrf,
        password: 'nope',
      });
      assert.match(wrong.body, /The password does not match/);
      for (const body of [made.body, list.body, right.body, wrong.body]) assert.ok(!body.includes(secret));
      assert.ok(!fx.logs.join('\n').includes(secret), 'not in a log line');
      const missing = await admin.send('POST', '/console/admin/run-as/not-a-uuid/test', {
        _csrf: csrf,
        password: 'x',
      });
      assert.equal(missing.statusCode, 404);
    });

    it('users: a display name with HTML is text; the last administrator cannot lose the role', async () => {
      const csrf = await admin.csrf('/console/admin/users');
      const added = await admin.send('POST', '/console/admin/users', {
        _csrf: csrf,
        username: 'dave',
        displayName: `Dave ${EVIL}`,
        role: 'analyst',
        password: 'dave password 1',
      });
      assert.equal(added.statusCode, 303, added.body);
      const list = await admin.send('GET', String(added.headers.location));
      assert.ok(list.body.includes(`Dave ${ESCAPED}`) && !list.body.includes(EVIL));
      const before = await dumpDatabase(fx.db, BY_PRODUCTS);
      const refused = await admin.send('POST', `/console/admin/users/${fx.username}`, {
        _csrf: csrf,
        role: 'analyst',
        state: 'enabled',
      });
      assert.equal(refused.statusCode, 409, refused.body);
      assert.match(refused.body, /role="alert"/);
      assert.equal(await dumpDatabase(fx.db, BY_PRODUCTS), before);
      const bad = await admin.send('POST', '/console/admin/users', {
        _csrf: csrf,
        username: 'x',
        role: 'analyst',
        password: 'short',
      });
      assert.equal(bad.statusCode, 400);
      assert.ok(!bad.body.includes('short'), 'a refused password is not shown back');
    });

    it('promote: asks first, refuses a stale confirmation, then moves the lease', async () => {
      await registerComputer(fx.db, 'ms-test-2', 'management-server', 'secondary');
      const servers = await admin.send('GET', '/console/admin/servers');
      assert.match(servers.body, /href="\/console\/admin\/servers\/ms-test-2\/promote"/);
      const confirm = await admin.send('GET', '/console/admin/servers/ms-test-2/promote');
      assert.match(confirm.body, /Promote ms-test-2 to workflow server\?/);
      const token = /name="token" value="(\d+)"/.exec(confirm.body)![1]!;
      const csrf = await admin.csrf('/console/admin/servers');
      const before = await readLease(fx.db);
      const stale = await admin.send('POST', '/console/admin/servers/ms-test-2/promote', {
        _csrf: csrf,
        token: String(Number(token) - 1),
      });
      assert.equal(stale.statusCode, 409);
      assert.match(stale.body, /The workflow lease changed since the confirmation was shown/);
      assert.deepEqual(await readLease(fx.db), before);
      const done = await admin.send('POST', '/console/admin/servers/ms-test-2/promote', {
        _csrf: csrf,
        token,
        force: 'yes',
      });
      assert.equal(done.statusCode, 303, done.body);
      const after = await readLease(fx.db);
      assert.equal(after.holder, 'ms-test-2');
      assert.ok(after.token > before.token);
      const audit = await fx.db.query<{ actor: string }>(
        `SELECT actor FROM audit_log WHERE action = 'workflow-lease.promoted'`,
      );
      assert.deepEqual(
        audit.rows.map((r) => r.actor),
        [fx.username],
      );
    });

    it('the dashboard says "No" with the key step; its fragment has an ETag and answers 304 while unchanged', async () => {
      const page = await admin.send('GET', '/console/recovery');
      assert.match(page.body, /id="readiness-answer" class="answer no">No</);
      assert.match(page.body, /The key of ms-test-1.* was never backed up\./);
      assert.match(page.body, /data-live-src="\/console\/recovery\/live"/);
      assert.match(page.body, /<script src="\/console\/static\/live.js" defer><\/script>/);
      assert.match(page.body, /Not available: smgr doctor does not record its runs/);
      const live = await admin.send('GET', '/console/recovery/live');
      assert.equal(live.statusCode, 200);
      assert.equal(live.headers['x-smgr-fragment'], '1');
      assert.doesNotMatch(live.body, /<html|<script/);
      const again = await fx.app.inject({
        method: 'GET',
        url: '/console/recovery/live',
        headers: { cookie: admin.cookie, 'if-none-match': String(live.headers.etag) },
      });
      assert.equal(again.statusCode, 304);
    });
  });
}
