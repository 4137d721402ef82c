/**
 * Readiness's management pack reason (issue 13 item 5): an unsealed
 * management pack — written here, its only copy in ServiceManager, and in
 * an archive as `packs/<id>.json` (FORMAT.md §2.11) — imported, edited or
 * removed after the newest verified archive was made would come back as it
 * was in that archive after a recovery: the change would be lost. Sealed
 * packs are not judged (their vendor keeps the file). Read-only.
 *
 * A pack's last change is its imported_at (import and every edit set it)
 * or its removed_at, whichever is later; the archive's time is when its
 * snapshot began (archive_checks.archive_created_at).
 */
import type { Queryable } from '../db/database.js';
import type { ArchiveCheck } from './archive-checks.js';

export interface PackReason {
  check: 'management-packs';
  ok: boolean;
  subject: string;
  detail: string;
  remedy?: string;
}

interface ChangedRow extends Record<string, unknown> {
  id: string;
  version: string;
  changed_at: Date;
  removed: boolean;
}

export async function packReason(db: Queryable, verified: ArchiveCheck | undefined): Promise<PackReason> {
  const r = await db.query<ChangedRow>(
    `SELECT id, version, GREATEST(imported_at, COALESCE(removed_at, imported_at)) AS changed_at,
            removed_at IS NOT NULL AS removed
       FROM management_packs
      WHERE NOT sealed
        AND ($1::timestamptz IS NULL AND removed_at IS NULL
             OR GREATEST(imported_at, COALESCE(removed_at, imported_at)) > $1::timestamptz)
      ORDER BY changed_at, id`,
    [verified?.archiveCreatedAt ?? null],
  );
  if (r.rows.length === 0) {
    return {
      check: 'management-packs',
      ok: true,
      subject: verified?.archive ?? 'none',
      detail: verified
        ? 'no unsealed management pack changed since the newest verified archive was made'
        : 'there are no unsealed management packs',
    };
  }
  const packs = r.rows.map(
    (p) =>
      `${p.id} ${p.version} (${p.removed ? 'removed' : 'imported or edited'} ${p.changed_at.toISOString()})`,
  );
  return {
    check: 'management-packs',
    ok: false,
    subject: r.rows.map((p) => p.id).join(', '),
    detail: verified
      ? `unsealed management packs changed since the newest verified archive (${verified.archive}, made ${verified.archiveCreatedAt}): ${packs.join(', ')}; a recovery now would lose those changes`
      : `unsealed management packs are in no verified archive: ${packs.join(', ')}`,
    remedy:
      'smgr backup create, then smgr drill (a drill or verify makes the archive verified); smgr mp export keeps a copy of a pack meanwhile',
  };
}
