/**
 * The change feed's reader (GET /api/v1/changes; the rows are written by the
 * triggers of ServiceManager migration v6).
 *
 * Guarantee: a cursor never passes a change that commits later. Each change
 * carries the id of the transaction that wrote it (xid8, assigned when that
 * transaction first wrote, before it commits). A page holds only changes of
 * transactions below the reading snapshot's xmin — every such transaction
 * has ended, so all of its changes are visible now or never will be — in
 * (xid, id) order after the cursor. A transaction still running when a page
 * is read has an xid at or above that xmin, hence above every position the
 * page hands out; it is delivered by a later page, after it commits.
 * The same on PGlite and PostgreSQL (both have pg_current_snapshot). A long
 * transaction delays the feed; it never makes it skip.
 *
 * A position is "<xid>-<id>" (decimal); the cursor is the last position
 * delivered. Read-only.
 */
import type { Queryable } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';

export const MAX_CHANGES = 5000;
export const DEFAULT_CHANGES = 500;

export interface Change {
  position: string;
  kind: 'work-item' | 'work-item-history' | 'config-item' | 'user';
  op: 'insert' | 'update' | 'delete';
  id: number;
  at: string;
  data: Record<string, unknown>;
}

export interface ChangePage {
  changes: Change[];
  /** The cursor for the next call: the last position delivered, else the one given (null: from the start). */
  next: string | null;
  /** True when more changes are ready now. */
  more: boolean;
}

const POSITION = /^(\d{1,20})-(\d{1,19})$/;

export function parseCursor(cursor: string): { xid: string; id: string } {
  const m = POSITION.exec(cursor);
  if (!m) throw new SmgrError('CHANGE_CURSOR_INVALID', { cursor: cursor.slice(0, 80) });
  return { xid: m[1]!, id: m[2]! };
}

export async function readChanges(
  db: Queryable,
  after: string | undefined,
  limit: number,
): Promise<ChangePage> {
  const from = after ? parseCursor(after) : { xid: '0', id: '0' };
  const r = await db.query<{
    xid: string;
    id: string;
    kind: Change['kind'];
    op: Change['op'];
    entity_id: string;
    at: Date;
    data: Record<string, unknown>;
  }>(
    `SELECT c.xid::text AS xid, c.id::text AS id, c.kind, c.op, c.entity_id::text AS entity_id, c.at, c.data
       FROM changes c
      WHERE c.xid < pg_snapshot_xmin(pg_current_snapshot())
        AND (c.xid, c.id) > ($1::text::xid8, $2::bigint)
      ORDER BY c.xid, c.id
      LIMIT $3`,
    [from.xid, from.id, limit + 1],
  );
  const rows = r.rows.slice(0, limit);
  const changes = rows.map((row) => ({
    position: `${row.xid}-${row.id}`,
    kind: row.kind,
    op: row.op,
    id: Number(row.entity_id),
    at: row.at.toISOString(),
    data: row.data,
  }));
  return { changes, next: changes.at(-1)?.position ?? after ?? null, more: r.rows.length > limit };
}
