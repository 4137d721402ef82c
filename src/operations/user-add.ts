/**
 * smgr user add NAME --role ROLE: create a user of the management group
 * (src/management-server/users.ts has the rules: name, role, password of at
 * least 8 characters, hashed with scrypt). Through the running server when
 * there is one, else on the database directly. The password travels only in
 * the input (the admin channel's 0600 socket), never in argv or a log.
 */
import { Type } from 'typebox';
import type { OpenedManagementServer } from '../management-server/management-server-part.js';
import { ROLE_NAMES } from '../management-server/roles.js';
import type { User } from '../management-server/user-store.js';
import { addUser } from '../management-server/users.js';
import { defineOperation } from './operation.js';

export const userAddOperation = defineOperation({
  name: 'user-add',
  input: Type.Object(
    {
      username: Type.String({ minLength: 1 }),
      role: Type.Enum([...ROLE_NAMES]),
      password: Type.String({ minLength: 1 }),
      displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    },
    { additionalProperties: false },
  ),
  async run(inst, input): Promise<User> {
    const ms = inst.part<OpenedManagementServer>('management-server');
    return addUser(ms.db, input, `cli@${inst.computerName}`);
  },
});
