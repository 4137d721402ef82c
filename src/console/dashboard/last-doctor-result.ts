/**
 * The last doctor result the group records (issue 14 item 3). `smgr doctor`
 * on a live server records nothing (it is read-only, and recovery tests
 * rely on that), so the only recorded doctor results are those of restore
 * drills: the doctor run against the archive restored into a scratch
 * installation (archive_checks.doctor, migration v8). The dashboard says
 * which it is, and "not available" when no drill recorded one. Read-only.
 */
import type { Queryable } from '../../db/database.js';

export interface LastDoctorRun {
  /** Where the doctor ran: the drill's scratch copy of this archive. */
  source: 'drill';
  archive: string;
  computerName: string;
  finishedAt: string;
  ok: boolean;
  checks: Array<{ name: string; state: string }>;
}

export async function lastDoctorResult(db: Queryable): Promise<LastDoctorRun | undefined> {
  const r = await db.query<{
    archive: string;
    computer_name: string;
    finished_at: Date;
    doctor_ok: boolean;
    doctor: Array<{ name: string; state: string }> | null;
  }>(
    `SELECT archive, computer_name, finished_at, doctor_ok, doctor FROM archive_checks
      WHERE kind = 'drill' AND doctor_ok IS NOT NULL ORDER BY finished_at DESC, id DESC LIMIT 1`,
  );
  const x = r.rows[0];
  return x
    ? {
        source: 'drill',
        archive: x.archive,
        computerName: x.computer_name,
        finishedAt: x.finished_at.toISOString(),
        ok: x.doctor_ok,
        checks: x.doctor ?? [],
      }
    : undefined;
}
