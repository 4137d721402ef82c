/**
 * /api/v1/run-as-accounts on both engines: the password goes in and never
 * comes out (no answer, audit row or log line holds it or its sealed bytes),
 * verify answers true/false, and a sealed value moved to another row is
 * 500 SECRET_UNREADABLE, never a match.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApiFixture, countRows, expectError, openApiFixture } from '../../test/support/api-fixture.js';
import { ENGINES } from '../../test/support/engines.js';
import type { RunAsAccount } from './run-as-account-store.js';

const PASSWORD_A = 'Run-As pa55word A: ünïcødé & "quotes"';
const PASSWORD_B = 'Run-As pa55word B';

for (const makeEngine of ENGINES) {
  describe(`Run As accounts (${makeEngine().name})`, () => {
    let fx: ApiFixture;
    let token: string;
    let headers: Record<string, string>;
    const bodies: string[] = [];
    before(async () => {
      fx = await openApiFixture(makeEngine);
      token = await fx.login();
      headers = fx.auth(token);
    });
    after(() => fx.close());

    const call = async (method: 'GET' | 'POST', url: string, payload?: object) => {
      const res = await fx.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
      bodies.push(res.body);
      return res;
    };
    const create = async (name: string, password: string): Promise<RunAsAccount> => {
      const res = await call('POST', '/api/v1/run-as-accounts', { name, username: `svc-${name}`, password });
      assert.equal(res.statusCode, 201, res.body);
      return res.json<RunAsAccount>();
    };
    const verify = (id: string, password: string) =>
      call('POST', `/api/v1/run-as-accounts/${id}/verify`, { password });
    const sealedOf = async (id: string): Promise<Buffer> => {
      const r = await fx.db.query<{ password_sealed: Buffer }>(
        'SELECT password_sealed FROM run_as_accounts WHERE id = $1',
        [id],
      );
      return r.rows[0]!.password_sealed;
    };

    it('creates an account and answers metadata only', async () => {
      const a = await create('sql-a', PASSWORD_A);
      assert.deepEqual(Object.keys(a).sort(), ['createdAt', 'id', 'keyId', 'name', 'updatedAt', 'username']);
      assert.match(a.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(a.name, 'sql-a');
      assert.equal(a.username, 'svc-sql-a');
      assert.equal(a.keyId, fx.keyId);
      const sealed = await sealedOf(a.id);
      assert.ok(!sealed.includes(Buffer.from(PASSWORD_A, 'utf8')), 'stored sealed, not in clear');
      assert.equal(
        fx.sealer.open(sealed, { table: 'run_as_accounts', column: 'password_sealed', row: a.id }),
        PASSWORD_A,
      );
    });

    it('get and list answer metadata only', async () => {
      const b = await create('sql-b', PASSWORD_B);
      const got = await call('GET', `/api/v1/run-as-accounts/${b.id}`);
      assert.equal(got.statusCode, 200);
      assert.deepEqual(got.json(), b);
      const upper = await call('GET', `/api/v1/run-as-accounts/${b.id.toUpperCase()}`);
      assert.deepEqual(upper.json(), b);
      const list = await call('GET', '/api/v1/run-as-accounts');
      assert.equal(list.statusCode, 200);
      const items = list.json<{ items: RunAsAccount[] }>().items;
      assert.deepEqual(
        items.map((i) => i.name),
        ['sql-a', 'sql-b'],
      );
      for (const i of items) {
        assert.deepEqual(Object.keys(i).sort(), [
          'createdAt',
          'id',
          'keyId',
          'name',
          'updatedAt',
          'username',
        ]);
      }
    });

    it('lists by name across pages, each account exactly once', async () => {
      for (const n of ['m', 'c', 'x', 'e', 'q']) await create(`acct-${n}`, `pw-${n}`);
      const names: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await call('GET', `/api/v1/run-as-accounts?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(res.statusCode, 200, res.body);
        const page = res.json<{ items: RunAsAccount[]; nextCursor: string | null }>();
        assert.ok(page.items.length <= 2);
        names.push(...page.items.map((i) => i.name));
        cursor = page.nextCursor;
      } while (cursor);
      assert.equal(names.length, 7);
      assert.equal(new Set(names).size, 7);
      assert.deepEqual(names, [...names].sort());
    });

    it('verify answers true for the password and false for anything else', async () => {
      const all = (await call('GET', '/api/v1/run-as-accounts?limit=500')).json<{ items: RunAsAccount[] }>()
        .items;
      const sqlA = all.find((i) => i.name === 'sql-a')!;
      for (const [password, matches] of [
        [PASSWORD_A, true],
        [PASSWORD_B, false],
        [`${PASSWORD_A} `, false],
        [PASSWORD_A.slice(0, -1), false],
        ['x', false],
      ] as const) {
        const res = await verify(sqlA.id, password);
        assert.equal(res.statusCode, 200, res.body);
        assert.deepEqual(res.json(), { matches });
      }
    });

    it('a duplicate name is 409 CONFLICT and changes nothing', async () => {
      const counts = await countRows(fx.db);
      const res = await call('POST', '/api/v1/run-as-accounts', {
        name: 'sql-a',
        username: 'other',
        password: 'p',
      });
      expectError(res, 409, 'CONFLICT');
      assert.deepEqual(await countRows(fx.db), counts);
    });

    it('unknown and malformed ids are 404 NOT_FOUND', async () => {
      for (const id of [
        '3f1d2c4b-5a69-4788-9abc-def012345678',
        'not-a-uuid',
        '1',
        '3f1d2c4b5a6947889abcdef012345678',
      ]) {
        expectError(await call('GET', `/api/v1/run-as-accounts/${id}`), 404, 'NOT_FOUND');
        expectError(await verify(id, PASSWORD_A), 404, 'NOT_FOUND');
      }
    });

    it('a sealed value moved to another row does not open: 500 SECRET_UNREADABLE, never a match', async () => {
      const from = await create('moved-from', PASSWORD_A);
      const to = await create('moved-to', PASSWORD_B);
      await fx.db.query(
        `UPDATE run_as_accounts SET password_sealed = (SELECT password_sealed FROM run_as_accounts WHERE id = $1)
          WHERE id = $2`,
        [from.id, to.id],
      );
      for (const password of [PASSWORD_A, PASSWORD_B]) {
        const res = await verify(to.id, password);
        const message = expectError(res, 500, 'SECRET_UNREADABLE');
        assert.ok(message.includes('run_as_accounts.password_sealed'), message);
        assert.ok(message.includes(to.id), message);
        assert.ok(!res.body.includes('matches'));
        assert.ok(!res.body.includes(password));
      }
      // The row it came from still verifies.
      assert.deepEqual((await verify(from.id, PASSWORD_A)).json(), { matches: true });
    });

    it('a sealed value altered in place is SECRET_UNREADABLE too', async () => {
      const c = await create('tampered', PASSWORD_B);
      const sealed = await sealedOf(c.id);
      sealed[sealed.length - 1] = (sealed[sealed.length - 1] ?? 0) ^ 1;
      await fx.db.query('UPDATE run_as_accounts SET password_sealed = $1 WHERE id = $2', [sealed, c.id]);
      expectError(await verify(c.id, PASSWORD_B), 500, 'SECRET_UNREADABLE');
    });

    it('creates and verifies are audited by user name, without the password', async () => {
      const r = await fx.db.query<{ actor: string; action: string; details: unknown }>(
        `SELECT actor, action, details FROM audit_log WHERE action LIKE 'run-as-account.%'`,
      );
      assert.ok(r.rows.some((a) => a.action === 'run-as-account.created'));
      assert.ok(r.rows.some((a) => a.action === 'run-as-account.verified'));
      for (const a of r.rows) {
        assert.equal(a.actor, fx.username);
        const details = JSON.stringify(a.details);
        assert.ok(!details.includes(PASSWORD_A) && !details.includes(PASSWORD_B), details);
      }
    });

    it('no answer holds a password or sealed bytes, and no log line a password or the token', async () => {
      const sealed = await fx.db.query<{ password_sealed: Buffer }>(
        'SELECT password_sealed FROM run_as_accounts',
      );
      const secrets = [PASSWORD_A, PASSWORD_B, JSON.stringify(PASSWORD_A).slice(1, -1)];
      const sealedForms = sealed.rows.flatMap((r) => [
        r.password_sealed.toString('base64'),
        r.password_sealed.toString('hex'),
        r.password_sealed.toString('base64url'),
      ]);
      assert.ok(bodies.length > 20);
      for (const body of bodies) {
        for (const s of [...secrets, ...sealedForms])
          assert.ok(!body.includes(s), `secret in answer: ${body}`);
        assert.ok(!/"[^"]*password[^"]*"\s*:/i.test(body), `an answer has a password field: ${body}`);
      }
      assert.ok(fx.logs.length > 20);
      for (const line of fx.logs) {
        for (const s of [...secrets, token]) assert.ok(!line.includes(s), `secret in log line: ${line}`);
      }
    });
  });
}
