/**
 * smgr doctor (ARCHITECTURE §5 step 5): every installed part's checks.
 * Read-only. The report passes when no check fails; each check names its part.
 */
import { Type } from 'typebox';
import type { PartName } from '../parts/part.js';
import type { DoctorCheck } from '../recovery/doctor-check.js';
import { defineOperation } from './operation.js';

export interface DoctorReport {
  ok: boolean;
  computerName: string;
  parts: Array<{ part: PartName; managementGroup: { id: string; name: string } }>;
  checks: Array<DoctorCheck & { part: PartName }>;
}

export const doctorOperation = defineOperation({
  name: 'doctor',
  input: Type.Object({}, { additionalProperties: false }),
  async run(inst): Promise<DoctorReport> {
    const checks: DoctorReport['checks'] = [];
    for (const p of inst.parts) {
      for (const c of await p.doctor()) checks.push({ ...c, part: p.definition.name });
    }
    return {
      ok: checks.every((c) => c.state !== 'fail'),
      computerName: inst.computerName,
      parts: inst.parts.map((p) => ({ part: p.definition.name, managementGroup: p.managementGroup })),
      checks,
    };
  },
});
