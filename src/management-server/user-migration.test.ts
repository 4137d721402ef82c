/**
 * Migration v4 on both engines: a group made before roles keeps its users;
 * is_admin becomes the administrator role, everyone else an end user; their
 * passwords and live tokens keep working.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ENGINES } from '../../test/support/engines.js';
import { migrate } from '../db/migrate.js';
import { serviceManagerMigrations } from '../db/migrations/service-manager.js';
import { hashPassword, verifyPassword } from '../keys/password-hash.js';
import { createSession, findTokenUser } from './session-store.js';
import { loginUser } from './user-store.js';

for (const makeEngine of ENGINES) {
  const engine = makeEngine();
  describe(`users migration v4 (${engine.name})`, () => {
    after(() => engine.cleanup());

    it('is_admin becomes the administrator role, others end users; passwords and tokens still work', async () => {
      const db = await engine.open(await engine.newDatabaseUrl());
      try {
        await migrate(db, serviceManagerMigrations, 3);
        const hash = await hashPassword('old password 1');
        await db.query(
          `INSERT INTO users (username, password_hash, is_admin) VALUES ('root', $1, true), ('clerk', $1, false)`,
          [hash],
        );
        const rootId = (await db.query<{ id: number }>(`SELECT id FROM users WHERE username = 'root'`))
          .rows[0]!.id;
        const session = await createSession(db, rootId);
        assert.equal(await migrate(db, serviceManagerMigrations, 4), 4);
        const users = await db.query<{ username: string; role: string; disabled_at: Date | null }>(
          'SELECT username, role, disabled_at FROM users ORDER BY username',
        );
        assert.deepEqual(users.rows, [
          { username: 'clerk', role: 'end-user', disabled_at: null },
          { username: 'root', role: 'administrator', disabled_at: null },
        ]);
        const root = await loginUser(db, 'root');
        assert.ok(root && (await verifyPassword('old password 1', root.passwordHash)));
        assert.equal((await findTokenUser(db, session.token))?.role, 'administrator');
      } finally {
        await db.close();
      }
    });
  });
}
