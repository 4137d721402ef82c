/**
 * /api/v1/users and passwords on both engines: administrators create, list,
 * read, change and disable users; the hash is scrypt and never answered;
 * disabling a user or changing a password revokes their tokens at once (the
 * changer's own current token excepted); the last enabled administrator
 * stays; every refusal names its reason and changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { type ApiFixture, expectError, openApiFixture } from '../../test/support/api-fixture.js';
import { ENGINES } from '../../test/support/engines.js';
import { dumpDatabase } from '../../test/support/snapshot.js';
import type { User } from './user-store.js';

for (const makeEngine of ENGINES) {
  describe(`users and passwords (${makeEngine().name})`, () => {
    let fx: ApiFixture;
    let admin: Record<string, string>;

    const req = (
      headers: Record<string, string>,
      method: InjectOptions['method'],
      url: string,
      payload?: object,
    ) => fx.app.inject({ method, url, headers, payload } as InjectOptions);

    /** Asserts that `fn` refuses with `status`/`code`, returns the message, and that nothing changed. */
    const refused = async (status: number, code: string, fn: () => ReturnType<typeof req>) => {
      const before = await dumpDatabase(fx.db);
      const message = expectError(await fn(), status, code);
      assert.equal(await dumpDatabase(fx.db), before, `${code} changed the database`);
      return message;
    };

    before(async () => {
      fx = await openApiFixture(makeEngine);
      admin = fx.auth(await fx.login());
    });
    after(() => fx.close());

    it('creates a user: 201 without the password, stored as a scrypt hash, audited', async () => {
      const res = await req(admin, 'POST', '/api/v1/users', {
        username: 'carol',
        role: 'analyst',
        password: 'carol secret 1',
        displayName: 'Carol Danvers',
      });
      assert.equal(res.statusCode, 201, res.body);
      const u = res.json<User>();
      assert.deepEqual(
        { ...u, createdAt: 't', updatedAt: 't', passwordChangedAt: 't' },
        {
          id: u.id,
          username: 'carol',
          role: 'analyst',
          displayName: 'Carol Danvers',
          disabled: false,
          createdAt: 't',
          updatedAt: 't',
          passwordChangedAt: 't',
        },
      );
      assert.ok(!res.body.includes('carol secret 1'));
      const stored = await fx.db.query<{ password_hash: string }>(
        `SELECT password_hash FROM users WHERE username = 'carol'`,
      );
      assert.match(stored.rows[0]!.password_hash, /^scrypt\$32768\$8\$1\$/);
      const audit = await fx.db.query<{ actor: string; details: object }>(
        `SELECT actor, details FROM audit_log WHERE action = 'user.created' AND target = 'carol'`,
      );
      assert.deepEqual(audit.rows, [{ actor: 'admin', details: { id: u.id, role: 'analyst' } }]);
      assert.ok(await fx.login('carol', 'carol secret 1'));
      for (const line of fx.logs) assert.ok(!line.includes('carol secret 1'), line);
    });

    it('refuses bad users in words, changing nothing', async () => {
      const post = (payload: object) => () => req(admin, 'POST', '/api/v1/users', payload);
      const good = { username: 'dave', role: 'end-user', password: 'dave secret 1' };
      assert.match(
        await refused(409, 'CONFLICT', post({ ...good, username: 'carol' })),
        /A user named "carol" already exists/,
      );
      assert.match(
        await refused(400, 'VALIDATION', post({ ...good, role: 'superuser' })),
        /body\/role: must be one of "administrator", "analyst", "end-user"/,
      );
      assert.match(
        await refused(400, 'VALIDATION', post({ ...good, password: 'short' })),
        /body\/password: must NOT have fewer than 8 characters/,
      );
      assert.match(await refused(400, 'VALIDATION', post({ ...good, username: '-dave' })), /body\/username/);
      assert.match(
        await refused(400, 'VALIDATION', post({ ...good, isAdmin: true })),
        /body\/isAdmin: unknown field \(the fields are: username, role, password, displayName\)/,
      );
      assert.match(await refused(400, 'VALIDATION', post({ username: 'dave' })), /body\/role: missing/);
    });

    it('lists users by name across pages, filtered by role and disabled', async () => {
      for (const n of ['u1', 'u2', 'u3']) await fx.addUser(n, 'end-user');
      const names: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await req(admin, 'GET', `/api/v1/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(res.statusCode, 200, res.body);
        const page = res.json<{ items: User[]; nextCursor: string | null }>();
        names.push(...page.items.map((u) => u.username));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(names, ['admin', 'carol', 'u1', 'u2', 'u3']);
      const ends = await req(admin, 'GET', '/api/v1/users?role=end-user');
      assert.deepEqual(
        ends.json<{ items: User[] }>().items.map((u) => u.username),
        ['u1', 'u2', 'u3'],
      );
      const one = await req(admin, 'GET', '/api/v1/users/carol');
      assert.equal(one.json<User>().role, 'analyst');
      expectError(await req(admin, 'GET', '/api/v1/users/nobody'), 404, 'NOT_FOUND');
      expectError(await req(admin, 'GET', '/api/v1/users/not%20a%20name'), 404, 'NOT_FOUND');
      expectError(await req(admin, 'GET', '/api/v1/users?cursor=abc'), 400, 'VALIDATION');
    });

    it('disabling a user revokes their tokens at once and refuses their sign-in; enabling lets them in again', async () => {
      const token = await fx.login('u1', 'u1 password 1');
      const other = await fx.login('u1', 'u1 password 1');
      const res = await req(admin, 'PATCH', '/api/v1/users/u1', { disabled: true });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json<User>().disabled, true);
      for (const t of [token, other]) {
        expectError(await req(fx.auth(t), 'GET', '/api/v1/work-items'), 401, 'UNAUTHORIZED');
      }
      const tokens = await fx.db.query(
        `SELECT 1 FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE username = 'u1'`,
      );
      assert.equal(tokens.rowCount, 0);
      await assert.rejects(fx.login('u1', 'u1 password 1'), /401/);
      const audited = await fx.db.query<{ details: { revokedTokens: number } }>(
        `SELECT details FROM audit_log WHERE action = 'user.updated' AND target = 'u1'`,
      );
      // Two here and the one addUser signed in with.
      assert.equal(audited.rows[0]?.details.revokedTokens, 3);
      await req(admin, 'PATCH', '/api/v1/users/u1', { disabled: false });
      assert.ok(await fx.login('u1', 'u1 password 1'));
    });

    it('changes roles and display names; the last enabled administrator stays one', async () => {
      const res = await req(admin, 'PATCH', '/api/v1/users/u2', { role: 'analyst', displayName: 'U Two' });
      assert.deepEqual([res.json<User>().role, res.json<User>().displayName], ['analyst', 'U Two']);
      assert.match(
        await refused(409, 'LAST_ADMINISTRATOR', () =>
          req(admin, 'PATCH', '/api/v1/users/admin', { disabled: true }),
        ),
        /"admin" is the last enabled administrator/,
      );
      await refused(409, 'LAST_ADMINISTRATOR', () =>
        req(admin, 'PATCH', '/api/v1/users/admin', { role: 'analyst' }),
      );
      await refused(400, 'VALIDATION', () => req(admin, 'PATCH', '/api/v1/users/u2', {}));
      await refused(404, 'NOT_FOUND', () => req(admin, 'PATCH', '/api/v1/users/nobody', { disabled: true }));
      // With a second administrator, the first may step down.
      await req(admin, 'PATCH', '/api/v1/users/u3', { role: 'administrator' });
      const down = await req(admin, 'PATCH', '/api/v1/users/admin', { role: 'analyst' });
      assert.equal(down.statusCode, 200, down.body);
      // ...and is no administrator any more (the role is read on every request).
      expectError(await req(admin, 'GET', '/api/v1/users'), 403, 'FORBIDDEN');
      const u3 = fx.auth(await fx.login('u3', 'u3 password 1'));
      await req(u3, 'PATCH', '/api/v1/users/admin', { role: 'administrator' });
      assert.equal((await req(admin, 'GET', '/api/v1/users')).statusCode, 200);
    });

    it('a user changes their own password with the current one: their other tokens are revoked, this one kept', async () => {
      const current = await fx.login('carol', 'carol secret 1');
      const elsewhere = await fx.login('carol', 'carol secret 1');
      const url = '/api/v1/users/carol/password';
      assert.match(
        await refused(400, 'VALIDATION', () =>
          req(fx.auth(current), 'PUT', url, { password: 'new carol 22' }),
        ),
        /currentPassword is required/,
      );
      const before = await dumpDatabase(fx.db);
      expectError(
        await req(fx.auth(current), 'PUT', url, { password: 'new carol 22', currentPassword: 'wrong' }),
        403,
        'CURRENT_PASSWORD_WRONG',
      );
      // Only the failure's audit row and its count in the rate limit changed.
      const after = await fx.db.query<{ action: string }>(
        'SELECT action FROM audit_log ORDER BY id DESC LIMIT 1',
      );
      assert.equal(after.rows[0]?.action, 'user.password-check-failed');
      assert.notEqual(await dumpDatabase(fx.db), before);
      const res = await req(fx.auth(current), 'PUT', url, {
        password: 'new carol 22',
        currentPassword: 'carol secret 1',
      });
      assert.equal(res.statusCode, 200, res.body);
      // `elsewhere` and the token of the first test; `current` is kept.
      assert.equal(res.json<{ revokedTokens: number }>().revokedTokens, 2);
      expectError(await req(fx.auth(elsewhere), 'GET', '/api/v1/work-items'), 401, 'UNAUTHORIZED');
      assert.equal((await req(fx.auth(current), 'GET', '/api/v1/work-items')).statusCode, 200);
      await assert.rejects(fx.login('carol', 'carol secret 1'), /401/);
      assert.ok(await fx.login('carol', 'new carol 22'));
      for (const line of fx.logs) assert.ok(!line.includes('new carol 22'), line);
    });

    it("an administrator resets anyone's password (all their tokens revoked); nobody else may", async () => {
      const t1 = await fx.login('u2', 'u2 password 1');
      const u1 = fx.auth(await fx.login('u1', 'u1 password 1'));
      assert.match(
        await refused(403, 'FORBIDDEN', () =>
          req(u1, 'PUT', '/api/v1/users/u2/password', { password: 'stolen pw 1' }),
        ),
        /may not change another user's password/,
      );
      await refused(400, 'VALIDATION', () =>
        req(admin, 'PUT', '/api/v1/users/u2/password', { password: 'reset pw 11', currentPassword: 'x' }),
      );
      await refused(404, 'NOT_FOUND', () =>
        req(admin, 'PUT', '/api/v1/users/nobody/password', { password: 'reset pw 11' }),
      );
      const res = await req(admin, 'PUT', '/api/v1/users/u2/password', { password: 'reset pw 11' });
      assert.equal(res.statusCode, 200, res.body);
      // t1 and the token addUser signed in with.
      assert.equal(res.json<{ revokedTokens: number }>().revokedTokens, 2);
      expectError(await req(fx.auth(t1), 'GET', '/api/v1/work-items'), 401, 'UNAUTHORIZED');
      assert.ok(await fx.login('u2', 'reset pw 11'));
    });

    it('sign-out revokes the token at once', async () => {
      const token = await fx.login('u3', 'u3 password 1');
      const res = await req(fx.auth(token), 'DELETE', '/api/v1/sessions/current');
      assert.equal(res.statusCode, 204);
      assert.equal(res.body, '');
      expectError(await req(fx.auth(token), 'GET', '/api/v1/sessions/current'), 401, 'UNAUTHORIZED');
      expectError(await req(fx.auth(token), 'DELETE', '/api/v1/sessions/current'), 401, 'UNAUTHORIZED');
    });
  });
}
