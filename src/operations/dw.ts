/**
 * The data warehouse's operations (issue 9): smgr dw register, unregister
 * and run extract, through the server running from this home or in the
 * CLI's process. The administrator's password travels only in the input
 * (the admin channel's 0600 socket), never in argv or a log.
 */
import { Type } from 'typebox';
import type { OpenedDataWarehouse } from '../data-warehouse/data-warehouse-part.js';
import { registerDataWarehouse, unregisterDataWarehouse } from '../data-warehouse/dw-registration.js';
import { runDwJobsNow } from '../data-warehouse/dw-run-now.js';
import { extractNow } from '../data-warehouse/extract-now.js';
import type { Installation } from '../parts/installation.js';
import { defineOperation } from './operation.js';

const dwOf = (inst: Installation) => inst.part<OpenedDataWarehouse>('data-warehouse');

export const dwRegisterOperation = defineOperation({
  name: 'dw-register',
  input: Type.Object(
    {
      managementServer: Type.String({ minLength: 1 }),
      adminUser: Type.String({ minLength: 1 }),
      adminPassword: Type.String({ minLength: 1 }),
    },
    { additionalProperties: false },
  ),
  run: (inst, input) => registerDataWarehouse(dwOf(inst), input, `cli@${inst.computerName}`),
});

export const dwUnregisterOperation = defineOperation({
  name: 'dw-unregister',
  input: Type.Object(
    { adminUser: Type.String({ minLength: 1 }), adminPassword: Type.String({ minLength: 1 }) },
    { additionalProperties: false },
  ),
  run: (inst, input) => unregisterDataWarehouse(dwOf(inst), input, `cli@${inst.computerName}`),
});

export const dwRunExtractOperation = defineOperation({
  name: 'dw-run-extract',
  input: Type.Object({}, { additionalProperties: false }),
  run: (inst, _input, progress) => extractNow(dwOf(inst), progress),
});

// --- dw-etl (issue 11)
export const dwRunJobOperation = defineOperation({
  name: 'dw-run-job',
  input: Type.Object({ job: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
  run: async (inst, input, progress) => ({ runs: await runDwJobsNow(dwOf(inst), input.job, progress) }),
});
// --- end dw-etl
