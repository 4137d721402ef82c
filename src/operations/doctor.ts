/**
 * smgr doctor (ARCHITECTURE §5 step 5): every installed part's checks
 * (src/recovery/doctor-report.ts). Read-only.
 */
import { Type } from 'typebox';
import { type DoctorReport, doctorReport } from '../recovery/doctor-report.js';
import { defineOperation } from './operation.js';

export type { DoctorReport };

export const doctorOperation = defineOperation({
  name: 'doctor',
  input: Type.Object({}, { additionalProperties: false }),
  run: (inst): Promise<DoctorReport> => doctorReport(inst),
});
