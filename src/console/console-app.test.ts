/**
 * The console's skeleton on a built API (inject, both engines): every route
 * declares its access; a visitor not signed in is sent to sign in; an end
 * user gets the 403 page on every console route (GET and POST, every module's,
 * from the console's own list of routes); an analyst opens the home page;
 * forms without the session's CSRF token are refused; the headers of every
 * page; the session cookie is sealed under the group's DEK-derived key.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type ApiFixture, openApiFixture } from '../../test/support/api-fixture.js';
import { ENGINES } from '../../test/support/engines.js';
import { SessionSealer } from '../web/session-cookie.js';
import { CONSOLE_CSP, CONSOLE_KEY_PURPOSE, consoleRoutes } from './console-app.js';

/** A browser of the console over inject: keeps the cookie, reads CSRF tokens. */
export class InjectAgent {
  cookie = '';
  constructor(private readonly app: FastifyInstance) {}

  async send(method: 'GET' | 'POST', url: string, form?: Record<string, string>) {
    const res = await this.app.inject({
      method,
      url,
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      payload: form ? new URLSearchParams(form).toString() : undefined,
    });
    const set = res.headers['set-cookie'];
    if (set) this.cookie = String(set).split(';')[0]!;
    return res;
  }

  async csrf(url = '/console/sign-in'): Promise<string> {
    const res = await this.send('GET', url);
    const m = /name="_csrf" value="([^"]+)"/.exec(res.body);
    assert.ok(m, `no CSRF token on ${url}: ${res.statusCode}`);
    return m[1]!;
  }

  async signIn(username: string, password: string) {
    const _csrf = await this.csrf();
    return this.send('POST', '/console/sign-in', { _csrf, username, password, next: '/console' });
  }
}

/** A concrete URL for a route pattern (":id" → 1, ":ref" → IR1, "*" → x). */
export const concrete = (url: string) =>
  url
    .replace(/:ref\b/g, 'IR1')
    .replace(/:[A-Za-z]+/g, '1')
    .replace(/\*/g, 'x');

for (const makeEngine of ENGINES) {
  describe(`console skeleton (${makeEngine().name})`, () => {
    let fx: ApiFixture;
    before(async () => {
      fx = await openApiFixture(makeEngine);
      await fx.addUser('eve', 'end-user', 'eve password 1');
      await fx.addUser('ann', 'analyst', 'ann password 1');
    });
    after(() => fx?.close());

    it('lists its routes, each with a declared access', () => {
      const routes = consoleRoutes(fx.app);
      assert.ok(routes.some((r) => r.url === '/console/sign-in' && r.access === 'public'));
      assert.ok(
        routes.some((r) => r.url === '/console' && r.access === 'analyst'),
        JSON.stringify(routes),
      );
      for (const r of routes) assert.match(r.access, /^(public|analyst|administrator)$/);
    });

    it('a visitor not signed in is sent to the sign-in page', async () => {
      const res = await new InjectAgent(fx.app).send('GET', '/console/');
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/console/sign-in?next=%2Fconsole%2F');
    });

    it('an end user gets the 403 page on every console route, GET and POST', async () => {
      const eve = new InjectAgent(fx.app);
      assert.equal((await eve.signIn('eve', 'eve password 1')).statusCode, 303);
      const csrf = await eve.csrf();
      const guarded = consoleRoutes(fx.app).filter((r) => r.access !== 'public');
      assert.ok(guarded.length >= 1);
      for (const r of guarded) {
        const res = await eve.send(
          r.method as 'GET' | 'POST',
          concrete(r.url),
          r.method === 'POST' ? { _csrf: csrf } : undefined,
        );
        assert.equal(res.statusCode, 403, `${r.method} ${r.url}: ${res.statusCode}`);
        assert.match(res.body, /You cannot open this/);
        assert.match(res.body, /The console is for analysts and administrators/);
      }
    });

    it('an analyst signs in and opens the home page; the page carries the security headers', async () => {
      const ann = new InjectAgent(fx.app);
      const signed = await ann.signIn('ann', 'ann password 1');
      assert.equal(signed.statusCode, 303);
      assert.equal(signed.headers.location, '/console');
      assert.match(
        String(signed.headers['set-cookie']),
        /^smgr_console=[A-Za-z0-9_-]+; Path=\/console; Max-Age=\d+; HttpOnly; SameSite=Lax$/,
      );
      const home = await ann.send('GET', '/console/');
      assert.equal(home.statusCode, 200);
      assert.match(home.body, /Signed in as <strong>ann<\/strong>/);
      assert.equal(home.headers['content-security-policy'], CONSOLE_CSP);
      assert.equal(home.headers['x-frame-options'], 'DENY');
      assert.equal(home.headers['x-content-type-options'], 'nosniff');
      assert.equal(home.headers['cache-control'], 'no-store');
    });

    it('the session cookie is sealed with the key derived from the group DEK; another key is not signed in', async () => {
      const ann = new InjectAgent(fx.app);
      await ann.signIn('ann', 'ann password 1');
      const value = ann.cookie.split('=')[1]!;
      const mine = new SessionSealer(fx.sealer.deriveKey(CONSOLE_KEY_PURPOSE), fx.keyId, 'console');
      const session = mine.open(value);
      assert.equal(session?.user?.username, 'ann');
      const forged = new SessionSealer(Buffer.alloc(32, 7), fx.keyId, 'console').seal(session!);
      const other = new InjectAgent(fx.app);
      other.cookie = `smgr_console=${forged}`;
      assert.equal((await other.send('GET', '/console/')).statusCode, 303);
      const portalKind = new SessionSealer(fx.sealer.deriveKey(CONSOLE_KEY_PURPOSE), fx.keyId, 'portal').seal(
        session!,
      );
      other.cookie = `smgr_console=${portalKind}`;
      assert.equal((await other.send('GET', '/console/')).statusCode, 303);
    });

    it('a form without the CSRF token is refused; sign-out revokes the token', async () => {
      const ann = new InjectAgent(fx.app);
      await ann.signIn('ann', 'ann password 1');
      const refused = await ann.send('POST', '/console/sign-out', {});
      assert.equal(refused.statusCode, 403);
      assert.match(refused.body, /This form cannot be accepted/);
      assert.equal((await ann.send('GET', '/console/')).statusCode, 200, 'still signed in');
      const before = ann.cookie;
      const out = await ann.send('POST', '/console/sign-out', { _csrf: await ann.csrf('/console/') });
      assert.equal(out.statusCode, 303);
      ann.cookie = before;
      assert.equal((await ann.send('GET', '/console/')).statusCode, 303, 'the old cookie no longer signs in');
    });

    it('a wrong password is refused on the page; a missing page is the 404 page', async () => {
      const x = new InjectAgent(fx.app);
      const res = await x.signIn('ann', 'wrong');
      assert.equal(res.statusCode, 401);
      assert.match(res.body, /The user name or password is wrong/);
      const none = await x.send('GET', '/console/no/such/page');
      assert.equal(none.statusCode, 404);
      assert.match(none.body, /Page not found/);
    });
  });
}
