/**
 * The one runbook step that applies now (issue 14 item 3), chosen from the
 * evidence in the order docs/RECOVERY.md puts first things first: a key
 * that was never backed up (or changed since) loses everything if its
 * computer is lost, so it comes before a failing doctor, a failed scheduled
 * backup, a missing or stale verified archive and a missing or failed
 * drill. Pure: the caller passes what it read.
 */
import type { Readiness } from '../../recovery/readiness.js';
import type { KeyBackupState } from './key-backup-state.js';
import type { LastDoctorRun } from './last-doctor-result.js';

export interface RunbookStep {
  /** What is wrong, in one sentence. */
  problem: string;
  /** What to run or do, in one sentence. */
  action: string;
  /** The command to run, when there is one. */
  command?: string;
  /** Where it is to be done. */
  on?: string;
  /** The runbook section that explains it. */
  reference: string;
}

const KEY_WORDS: Record<string, string> = {
  'management-group': 'management group key',
  'data-warehouse': 'data warehouse key',
  portal: 'portal key',
};

export function runbookStep(
  readiness: Readiness | undefined,
  keys: readonly KeyBackupState[],
  doctor: LastDoctorRun | undefined,
): RunbookStep | undefined {
  for (const k of keys) {
    if (k.state === 'backed-up') continue;
    const names = k.computers.map((c) => c.computerName);
    const where = names.length > 0 ? names.join(' or ') : 'a computer holding it';
    const what = names.length > 0 ? `The key of ${names.join(', ')}` : `The ${KEY_WORDS[k.keyPart] ?? 'key'}`;
    return {
      problem:
        k.state === 'never'
          ? `${what} (${KEY_WORDS[k.keyPart] ?? k.keyPart} ${k.keyId}) was never backed up.`
          : `${what} (${KEY_WORDS[k.keyPart] ?? k.keyPart} ${k.keyId}) changed after its last backup.`,
      action: `Run smgr key backup on ${where}, and keep the file away from that computer.`,
      command: 'smgr key backup --file <path outside this computer>',
      on: names[0],
      reference: 'docs/RECOVERY.md §1 (back up the keys)',
    };
  }
  if (doctor && !doctor.ok) {
    const failed = doctor.checks.filter((c) => c.state === 'fail').map((c) => c.name);
    return {
      problem: `The doctor failed on the copy restored by the last drill (${doctor.archive}): ${failed.join(', ') || 'see its checks'}.`,
      action: `Run smgr doctor on ${doctor.computerName}, follow each failed check's remedy, then smgr backup create and smgr drill.`,
      command: 'smgr doctor',
      on: doctor.computerName,
      reference: 'docs/RECOVERY.md (verify: smgr doctor)',
    };
  }
  if (!readiness) return undefined;
  const run = readiness.lastScheduledRun;
  if (run?.outcome === 'failed') {
    return {
      problem: `The last scheduled backup (${run.slot}, on ${run.holder}) failed: ${run.error ?? 'no cause recorded'}.`,
      action: `Fix the cause on ${run.holder}, then run smgr backup create and smgr drill there.`,
      command: 'smgr backup create',
      on: run.holder,
      reference: 'docs/RECOVERY.md (backups)',
    };
  }
  for (const r of readiness.reasons) {
    if (r.ok || r.check === 'key-backup') continue;
    return {
      problem: `${capital(r.detail)}.`,
      action: r.remedy ? `Run ${r.remedy}.` : 'See the runbook.',
      ...(r.check === 'archive' ? { command: 'smgr backup create' } : { command: 'smgr drill' }),
      reference: 'docs/RECOVERY.md (backups, drills)',
    };
  }
  return undefined;
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
