/**
 * After smgr key backup: the backup time of each key, recorded in every
 * record of it that the installed parts reach (failing to record it does not
 * undo the backup file).
 */
import { Type } from 'typebox';
import { defineOperation } from './operation.js';

export const recordKeyBackupOperation = defineOperation({
  name: 'record-key-backup',
  input: Type.Object({ keyIds: Type.Array(Type.String({ minLength: 1 })) }, { additionalProperties: false }),
  async run(inst, input): Promise<{ recorded: number }> {
    let recorded = 0;
    for (const p of inst.parts) recorded += await p.recordKeyBackup(input.keyIds);
    return { recorded };
  },
});
