/**
 * smgr doctor's report (ARCHITECTURE §5 step 5): every installed part's
 * checks, each naming its part. Read-only. The report passes when no check
 * fails. Used by the doctor operation, `smgr recover` and drills.
 */
import type { Installation } from '../parts/installation.js';
import type { PartName } from '../parts/part.js';
import type { DoctorCheck } from './doctor-check.js';

export interface DoctorReport {
  ok: boolean;
  computerName: string;
  parts: Array<{ part: PartName; managementGroup: { id: string; name: string } }>;
  checks: Array<DoctorCheck & { part: PartName }>;
}

export async function doctorReport(inst: Installation): Promise<DoctorReport> {
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
}
