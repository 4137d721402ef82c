/** smgr user list: the users of the management group, by name (never a password hash). */
import { Type } from 'typebox';
import type { OpenedManagementServer } from '../management-server/management-server-part.js';
import { listUsers, type User } from '../management-server/user-store.js';
import { defineOperation } from './operation.js';

export const userListOperation = defineOperation({
  name: 'user-list',
  input: Type.Object({}, { additionalProperties: false }),
  async run(inst): Promise<{ users: User[] }> {
    const ms = inst.part<OpenedManagementServer>('management-server');
    const users: User[] = [];
    for (;;) {
      const page = await listUsers(ms.db, { afterUsername: users.at(-1)?.username, limit: 500 });
      users.push(...page);
      if (page.length < 500) return { users };
    }
  },
});
