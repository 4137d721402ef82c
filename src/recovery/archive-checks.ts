/**
 * The evidence of recoverability (issue 13 items 2-4), in ServiceManager's
 * archive_checks (migration v8): one row per verification or restore drill
 * of an archive — which archive (its file name and creation time), on which
 * computer, when, whether it passed, and for drills the measured restore and
 * API times, the tables and rows checked and the doctor's result. Rows are
 * only appended; an archive counts as verified when any check of it passed.
 * Names and numbers only, never data or keys.
 */
import type { Queryable } from '../db/database.js';
import type { DoctorCheck } from './doctor-check.js';

export interface ArchiveCheck {
  kind: 'verify' | 'drill';
  archive: string;
  archiveCreatedAt: string;
  computerName: string;
  startedAt: string;
  finishedAt?: string;
  ok: boolean;
  restoreMs?: number;
  apiMs?: number;
  tablesChecked?: number;
  rowsChecked?: number;
  doctorOk?: boolean;
  doctor?: Array<Pick<DoctorCheck, 'name' | 'state'>>;
  error?: string;
}

export async function recordArchiveCheck(q: Queryable, c: ArchiveCheck): Promise<void> {
  await q.query(
    `INSERT INTO archive_checks (kind, archive, archive_created_at, computer_name, started_at, ok,
       restore_ms, api_ms, tables_checked, rows_checked, doctor_ok, doctor, error)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      c.kind,
      c.archive,
      c.archiveCreatedAt,
      c.computerName,
      c.startedAt,
      c.ok,
      c.restoreMs ?? null,
      c.apiMs ?? null,
      c.tablesChecked ?? null,
      c.rowsChecked ?? null,
      c.doctorOk ?? null,
      c.doctor ? JSON.stringify(c.doctor) : null,
      c.error ?? null,
    ],
  );
}

export interface ArchiveEvidence {
  verified: boolean;
  drillPassed: boolean;
}

/** Per archive file name: whether any check of it passed, and whether a drill did. */
export async function archiveEvidence(q: Queryable): Promise<Map<string, ArchiveEvidence>> {
  const r = await q.query<{ archive: string; verified: boolean; drilled: boolean }>(
    `SELECT archive, bool_or(ok) AS verified, coalesce(bool_or(ok) FILTER (WHERE kind = 'drill'), false) AS drilled
       FROM archive_checks GROUP BY archive`,
  );
  return new Map(r.rows.map((x) => [x.archive, { verified: x.verified, drillPassed: x.drilled }]));
}

interface CheckRow extends Record<string, unknown> {
  kind: 'verify' | 'drill';
  archive: string;
  archive_created_at: Date;
  computer_name: string;
  started_at: Date;
  finished_at: Date;
  ok: boolean;
  restore_ms: number | null;
  api_ms: number | null;
  tables_checked: number | null;
  rows_checked: string | null;
  doctor_ok: boolean | null;
  doctor: ArchiveCheck['doctor'] | null;
  error: string | null;
}

const fromRow = (r: CheckRow): ArchiveCheck => ({
  kind: r.kind,
  archive: r.archive,
  archiveCreatedAt: r.archive_created_at.toISOString(),
  computerName: r.computer_name,
  startedAt: r.started_at.toISOString(),
  finishedAt: r.finished_at.toISOString(),
  ok: r.ok,
  restoreMs: r.restore_ms ?? undefined,
  apiMs: r.api_ms ?? undefined,
  tablesChecked: r.tables_checked ?? undefined,
  rowsChecked: r.rows_checked === null ? undefined : Number(r.rows_checked),
  doctorOk: r.doctor_ok ?? undefined,
  doctor: r.doctor ?? undefined,
  error: r.error ?? undefined,
});

const COLUMNS = `kind, archive, archive_created_at, computer_name, started_at, finished_at, ok, restore_ms,
  api_ms, tables_checked, rows_checked, doctor_ok, doctor, error`;

/** The most recent drill, passed or not. */
export async function lastDrill(q: Queryable): Promise<ArchiveCheck | undefined> {
  const r = await q.query<CheckRow>(
    `SELECT ${COLUMNS} FROM archive_checks WHERE kind = 'drill' ORDER BY finished_at DESC, id DESC LIMIT 1`,
  );
  return r.rows[0] ? fromRow(r.rows[0]) : undefined;
}

/** The passed check of the newest archive that has one (the newest verified archive). */
export async function newestVerified(q: Queryable): Promise<ArchiveCheck | undefined> {
  const r = await q.query<CheckRow>(
    `SELECT ${COLUMNS} FROM archive_checks WHERE ok ORDER BY archive_created_at DESC, finished_at DESC, id DESC LIMIT 1`,
  );
  return r.rows[0] ? fromRow(r.rows[0]) : undefined;
}
