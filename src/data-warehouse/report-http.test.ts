/**
 * The DW API's sign-in, reports and report page in-process (Fastify's
 * inject) on both engines: sessions and their rate limit, roles, refusals
 * that write nothing, CSV negotiation; the page's redirects, sealed cookie,
 * CSRF, Content-Security-Policy and escaping.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { ENGINES } from '../../test/support/engines.js';
import { dumpDatabase } from '../../test/support/snapshot.js';
import type { Database } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { dwDataMartMigrations } from '../db/migrations/dw-datamart.js';
import { dwStagingAndConfigMigrations } from '../db/migrations/dw-staging-and-config.js';
import { hashPassword } from '../keys/password-hash.js';
import { buildDwApi } from './dw-api.js';
import { REPORT_COOKIE, ReportSessionSealer } from './report-session-cookie.js';

const PASSWORD = 'report-reader-pass-1';

const cookieOf = (setCookie: string | string[] | undefined): string => {
  const v = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  const m = new RegExp(`${REPORT_COOKIE}=([^;]+)`).exec(v ?? '');
  assert.ok(m, `a ${REPORT_COOKIE} cookie`);
  return `${REPORT_COOKIE}=${m[1]}`;
};
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

for (const engine of ENGINES) {
  describe(`DW reports over HTTP (${engine().name})`, () => {
    const fx = engine();
    let staging: Database;
    let datamart: Database;
    let app: FastifyInstance;

    before(async () => {
      staging = await fx.open(await fx.newDatabaseUrl());
      datamart = await fx.open(await fx.newDatabaseUrl());
      await migrate(staging, dwStagingAndConfigMigrations);
      await migrate(datamart, dwDataMartMigrations);
      const hash = await hashPassword(PASSWORD);
      for (const [name, role] of [
        ['dwadmin', 'administrator'],
        ['throttled', 'administrator'],
        ['auditor', 'auditor'],
      ])
        await staging.query('INSERT INTO users (username, password_hash, role) VALUES ($1, $2, $3)', [
          name,
          hash,
          role,
        ]);
      await datamart.exec(`INSERT INTO date_dim VALUES (20261102, '2026-11-02', 2026, 4, 11, 2, 1, 2026, 45,
        '2026-11-02', '2026-11-01', 'November', 'Monday')`);
      await datamart.exec(`INSERT INTO config_item_dim VALUES
        ('1-1-1', 5, '2026-01-01', NULL, true, false, 'computer', '<script>alert(1)</script> & =cmd', '{}');
        INSERT INTO work_item_config_item_fact VALUES (1, 5, '2026-11-02T10:00:00Z', NULL, 'incident', 20261102, NULL);`);
      app = await buildDwApi({
        staging,
        datamart,
        logger: pino({ level: 'silent' }),
        identity: { managementGroup: { id: 'x', name: 'Test DW' }, computerName: 'dw01' },
        cookieSealer: new ReportSessionSealer(randomBytes(32), 'dw-0011223344556677'),
      });
    });
    after(async () => {
      await app?.close();
      await staging?.close();
      await datamart?.close();
      await fx.cleanup();
    });

    const signIn = async (username: string, password = PASSWORD) =>
      app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username, password } });

    it('signs in for a bearer token; a wrong password is 401; five failures block the user, even the right password (429, Retry-After)', async () => {
      const ok = await signIn('dwadmin');
      assert.equal(ok.statusCode, 201);
      const { token, expiresAt } = ok.json();
      assert.match(token, /^[A-Za-z0-9_-]{43}$/);
      assert.ok(Date.parse(expiresAt) > Date.now() + 11 * 3_600_000);
      const me = await app.inject({
        url: '/api/v1/sessions/current',
        headers: { authorization: `Bearer ${token}` },
      });
      assert.deepEqual(me.json(), { user: { username: 'dwadmin', role: 'administrator' } });
      const stored = await staging.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM api_tokens WHERE token_hash = sha256(convert_to($1, 'UTF8'))",
        [token],
      );
      assert.equal(stored.rows[0]!.n, 1, 'stored as its SHA-256 only');
      for (let i = 0; i < 5; i++) assert.equal((await signIn('throttled', 'wrong')).statusCode, 401);
      const blocked = await signIn('throttled');
      assert.equal(blocked.statusCode, 429);
      assert.equal(blocked.json().error, 'SIGN_IN_THROTTLED');
      assert.ok(Number(blocked.headers['retry-after']) >= 1);
      assert.equal((await signIn('nobody')).statusCode, 401);
      for (const payload of ['{"username":', '{"username":"a","password":"b","extra":1}', '[]']) {
        const bad = await app.inject({
          method: 'POST',
          url: '/api/v1/sessions',
          headers: { 'content-type': 'application/json' },
          payload,
        });
        assert.equal(bad.statusCode, 400, payload);
        assert.match(bad.json().error, /^(MALFORMED_JSON|VALIDATION)$/);
      }
    });

    it('reports: JSON or CSV for a report reader; 403 for another role; 401 without a token; refusals write nothing', async () => {
      const token = (await signIn('dwadmin')).json().token;
      const auth = { authorization: `Bearer ${token}` };
      const list = await app.inject({ url: '/api/v1/reports', headers: auth });
      assert.deepEqual(
        list.json().reports.map((r: { name: string }) => r.name),
        ['backlog', 'opened-resolved', 'time-to-resolution', 'sla-compliance', 'top-configuration-items'],
      );
      const q = 'from=2026-11-01&to=2026-11-03&grain=all';
      const json = await app.inject({ url: `/api/v1/reports/top-configuration-items?${q}`, headers: auth });
      assert.equal(json.statusCode, 200);
      assert.deepEqual(json.json(), {
        report: 'top-configuration-items',
        parameters: { from: '2026-11-01', to: '2026-11-03', grain: 'all', class: null, limit: 10 },
        rows: [
          {
            period: '2026-11-01/2026-11-03',
            start: '2026-11-01',
            end: '2026-11-03',
            rank: 1,
            configItemId: 5,
            configItem: '<script>alert(1)</script> & =cmd',
            configItemClass: 'computer',
            workItems: 1,
          },
        ],
      });
      const csv = await app.inject({
        url: `/api/v1/reports/top-configuration-items?${q}&format=csv`,
        headers: auth,
      });
      assert.match(String(csv.headers['content-type']), /^text\/csv/);
      assert.equal(
        csv.body,
        'period,start,end,rank,configItemId,configItem,configItemClass,workItems\r\n' +
          '2026-11-01/2026-11-03,2026-11-01,2026-11-03,1,5,<script>alert(1)</script> & =cmd,computer,1\r\n',
      );
      const accept = await app.inject({
        url: `/api/v1/reports/backlog?${q}`,
        headers: { ...auth, accept: 'text/csv' },
      });
      assert.equal(accept.body, 'period,start,end,open\r\n2026-11-01/2026-11-03,2026-11-01,2026-11-03,0\r\n');
      const jsonWins = await app.inject({
        url: `/api/v1/reports/backlog?${q}&format=json`,
        headers: { ...auth, accept: 'text/csv' },
      });
      assert.equal(jsonWins.json().rows.length, 1);

      const auditor = (await signIn('auditor')).json().token;
      const forbidden = await app.inject({
        url: '/api/v1/reports/backlog',
        headers: { authorization: `Bearer ${auditor}` },
      });
      assert.equal(forbidden.statusCode, 403);
      assert.equal(forbidden.json().error, 'FORBIDDEN');
      assert.equal((await app.inject({ url: '/api/v1/reports/backlog' })).statusCode, 401);
      assert.equal(
        (await app.inject({ url: '/api/v1/reports/backlog', headers: { authorization: 'Bearer x' } }))
          .statusCode,
        401,
      );

      const before = [await dumpDatabase(staging), await dumpDatabase(datamart)];
      for (const [url, code, status] of [
        ['/api/v1/reports/backlog?grain=fortnight', 'DW_REPORT_PARAMETER', 400],
        ['/api/v1/reports/backlog?from=2026-11-05&to=2026-11-01', 'DW_REPORT_PARAMETER', 400],
        ['/api/v1/reports/backlog?limit=3', 'DW_REPORT_PARAMETER', 400],
        ['/api/v1/reports/backlog?to=2026-11-01&to=2026-11-02', 'DW_REPORT_PARAMETER', 400],
        ['/api/v1/reports/top-configuration-items?limit=0', 'DW_REPORT_PARAMETER', 400],
        ['/api/v1/reports/%3Cscript%3E', 'DW_REPORT_UNKNOWN', 404],
      ] as const) {
        const r = await app.inject({ url, headers: auth });
        assert.equal(r.statusCode, status, url);
        const body = r.json();
        assert.equal(body.error, code);
        assert.ok(body.message && body.remedy);
        assert.doesNotMatch(r.body, /fortnight|<script>|at .*\.js/);
      }
      assert.deepEqual([await dumpDatabase(staging), await dumpDatabase(datamart)], before);
    });

    it('the page: sign-in form with CSRF, sealed cookie, charts with escaped names, CSP without scripts, sign-out', async () => {
      const first = await app.inject({ url: '/reports' });
      assert.equal(first.statusCode, 303);
      assert.equal(first.headers.location, '/reports/sign-in');
      const form = await app.inject({
        url: '/reports/sign-in',
        headers: { cookie: cookieOf(first.headers['set-cookie']) },
      });
      assert.equal(form.statusCode, 200);
      const csp = String(form.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/);
      assert.doesNotMatch(csp, /script-src|unsafe/);
      assert.equal(form.headers['x-frame-options'], 'DENY');
      const anonymous = cookieOf(first.headers['set-cookie']);
      const csrf = csrfOf(form.body);
      const post = (cookie: string, body: string) =>
        app.inject({
          method: 'POST',
          url: '/reports/sign-in',
          headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
          payload: body,
        });
      const forged = await post(anonymous, `username=dwadmin&password=${PASSWORD}`);
      assert.equal(forged.statusCode, 403);
      const wrong = await post(anonymous, `_csrf=${csrf}&username=dwadmin&password=nope`);
      assert.equal(wrong.statusCode, 401);
      assert.match(wrong.body, /Wrong user name or password/);
      const ok = await post(anonymous, `_csrf=${csrf}&username=dwadmin&password=${PASSWORD}`);
      assert.equal(ok.statusCode, 303);
      const session = cookieOf(ok.headers['set-cookie']);
      assert.match(String(ok.headers['set-cookie']), /HttpOnly; SameSite=Lax/);
      assert.doesNotMatch(session, /dwadmin/, 'sealed: the cookie does not show the user');

      const page = await app.inject({
        url: '/reports?from=2026-11-01&to=2026-11-03&grain=day',
        headers: { cookie: session },
      });
      assert.equal(page.statusCode, 200);
      assert.equal((page.body.match(/<svg [^>]*role="img"/g) ?? []).length, 5);
      assert.equal((page.body.match(/<table>/g) ?? []).length, 5);
      assert.doesNotMatch(page.body, /<script/i);
      assert.match(page.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; =cmd/);
      const csv = await app.inject({
        url: '/reports/top-configuration-items.csv?from=2026-11-01&to=2026-11-03&grain=all',
        headers: { cookie: session },
      });
      assert.match(csv.body, /'=cmd|<script>alert\(1\)<\/script> & =cmd/);
      const bad = await app.inject({ url: '/reports?grain=hour', headers: { cookie: session } });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /role="alert"[\s\S]*Allowed: day, week, month, all/);

      const tampered = `${session.slice(0, -3)}AAA`;
      assert.equal((await app.inject({ url: '/reports', headers: { cookie: tampered } })).statusCode, 303);
      const pageCsrf = csrfOf(page.body);
      const out = await app.inject({
        method: 'POST',
        url: '/reports/sign-out',
        headers: { cookie: session, 'content-type': 'application/x-www-form-urlencoded' },
        payload: `_csrf=${pageCsrf}`,
      });
      assert.equal(out.statusCode, 303);
      // The old cookie's token was revoked: the page is signed out even with it.
      assert.equal((await app.inject({ url: '/reports', headers: { cookie: session } })).statusCode, 303);
    });
  });
}
