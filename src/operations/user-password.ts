/**
 * smgr user password NAME: set a user's password and revoke every token of
 * that user (src/management-server/users.ts). The way back in for an
 * administrator whose password is lost (after a full-loss recovery the admin
 * password file went with the home): whoever runs smgr on a computer of the
 * group may, as they may read its secure storage.
 */
import { Type } from 'typebox';
import type { OpenedManagementServer } from '../management-server/management-server-part.js';
import type { User } from '../management-server/user-store.js';
import { setPassword } from '../management-server/users.js';
import { defineOperation } from './operation.js';

export const userPasswordOperation = defineOperation({
  name: 'user-password',
  input: Type.Object(
    { username: Type.String({ minLength: 1 }), password: Type.String({ minLength: 1 }) },
    { additionalProperties: false },
  ),
  async run(inst, input): Promise<{ user: User; revokedTokens: number }> {
    const ms = inst.part<OpenedManagementServer>('management-server');
    return setPassword(ms.db, input.username, input.password, `cli@${inst.computerName}`);
  },
});
