/**
 * smgr promote COMPUTER [--force]: make a management server of the group the
 * workflow server (src/management-group/promote.ts has the rules and
 * refusals). Through the running server, its lease keeper looks at the lease
 * at once instead of at its next renewal.
 */
import { Type } from 'typebox';
import { leaseSettings } from '../management-group/lease-settings.js';
import { type PromoteResult, promote } from '../management-group/promote.js';
import type { OpenedManagementServer } from '../management-server/management-server-part.js';
import { defineOperation } from './operation.js';

export const promoteOperation = defineOperation({
  name: 'promote',
  input: Type.Object(
    { computer: Type.String({ minLength: 1 }), force: Type.Optional(Type.Boolean()) },
    { additionalProperties: false },
  ),
  async run(inst, input): Promise<PromoteResult> {
    const ms = inst.part<OpenedManagementServer>('management-server');
    const result = await promote(ms.db, {
      computer: input.computer,
      force: input.force === true,
      actor: `promote@${inst.computerName}`,
      settings: leaseSettings(ms.config, inst.home.config),
    });
    await inst.hooks.leaseChanged?.();
    return result;
  },
});
