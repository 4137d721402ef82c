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
 * The same on PGlite and PostgreSQL (both have pg_current_snapshot).
 * Transaction ids are the cluster's: a transaction of ANOTHER database of
 * the same server cannot write here, so the in-progress transactions of the
 * snapshot (pg_snapshot_xip) whose backend is connected to another database
 * (pg_stat_activity) are left out of the horizon; an in-progress one that
 * cannot be placed (it just ended, or its row is hidden) counts, which only
 * delays. A long transaction of this database delays the feed; nothing
 * makes it skip.
 *
 * Transaction ids belong to the database's cluster: a restore into another
 * cluster (a new embedded directory) starts lower. So a restore starts a new
 * epoch (change_feed.epoch, bumped by src/backup/restore-schema.ts), and a
 * position is "<epoch>-<xid>-<id>" (decimal), ordered by epoch first; the
 * changes of an earlier epoch are all committed and delivered whole. The
 * cursor is the last position delivered. Read-only.
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

const POSITION = /^(\d{1,9})-(\d{1,20})-(\d{1,19})$/;

export function parseCursor(cursor: string): { epoch: string; xid: string; id: string } {
  const m = POSITION.exec(cursor);
  if (!m) throw new SmgrError('CHANGE_CURSOR_INVALID', { cursor: cursor.slice(0, 80) });
  return { epoch: m[1]!, xid: m[2]!, id: m[3]! };
}

/** Two cursors in feed order (-1, 0, 1); an invalid one throws CHANGE_CURSOR_INVALID. */
export function compareCursors(a: string, b: string): number {
  const x = parseCursor(a);
  const y = parseCursor(b);
  for (const k of ['epoch', 'xid', 'id'] as const) {
    const d = BigInt(x[k]) - BigInt(y[k]);
    if (d !== 0n) return d < 0n ? -1 : 1;
  }
  return 0;
}

/**
 * The current epoch and the first transaction id not known to have ended
 * among those that can write here (see the header), in one snapshot.
 */
const HORIZON = `WITH snap AS (SELECT pg_current_snapshot() AS s),
  running AS (
    SELECT x FROM snap, pg_snapshot_xip(snap.s) AS x
     WHERE NOT EXISTS (
       SELECT 1 FROM pg_stat_activity a
        WHERE a.backend_xid = x::xid AND a.datname IS DISTINCT FROM current_database()))
  , horizon AS (
    SELECT COALESCE((SELECT epoch FROM change_feed), 1) AS epoch,
           COALESCE((SELECT min(x) FROM running), (SELECT pg_snapshot_xmax(s) FROM snap)) AS xid)`;

/** A page whose changes are each the JSON text of a Change, as PostgreSQL wrote it. */
export interface ChangeTextPage {
  changes: string[];
  next: string | null;
  more: boolean;
}

/**
 * A page of changes, each built as JSON by the database (json_build_object
 * of the row, `data` as stored, `at` in UTC to the millisecond as
 * Date.toISOString writes it): the feed answers these texts without parsing
 * and serializing every change again in this process (changePageJson),
 * which was most of the management server's CPU during a DW's initial load.
 */
export async function readChangeTexts(
  db: Queryable,
  after: string | undefined,
  limit: number,
): Promise<ChangeTextPage> {
  const from = after ? parseCursor(after) : { epoch: '0', xid: '0', id: '0' };
  if (after) await refuseGroomed(db, after, from);
  const r = await db.query<{ position: string; change: string }>(
    `${HORIZON}
     SELECT p.position, json_build_object(
              'position', p.position, 'kind', c.kind, 'op', c.op, 'id', c.entity_id,
              'at', to_char(date_trunc('milliseconds', c.at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
              'data', c.data)::text AS change
       FROM changes c, horizon h, LATERAL (SELECT c.epoch::text || '-' || c.xid::text || '-' || c.id::text AS position) p
      WHERE (c.epoch < h.epoch OR c.xid < h.xid)
        AND (c.epoch, c.xid, c.id) > ($1::integer, $2::text::xid8, $3::bigint)
      ORDER BY c.epoch, c.xid, c.id
      LIMIT $4`,
    [from.epoch, from.xid, from.id, limit + 1],
  );
  const rows = r.rows.slice(0, limit);
  return {
    changes: rows.map((row) => row.change),
    next: rows.at(-1)?.position ?? after ?? null,
    more: r.rows.length > limit,
  };
}

/** A page of changes (readChangeTexts, parsed). */
export async function readChanges(
  db: Queryable,
  after: string | undefined,
  limit: number,
): Promise<ChangePage> {
  const page = await readChangeTexts(db, after, limit);
  return { ...page, changes: page.changes.map((c) => JSON.parse(c) as Change) };
}

/** The JSON text of a ChangePage from a page of change texts: each change as the database wrote it. */
export function changePageJson(page: ChangeTextPage): string {
  return `{"changes":[${page.changes.join(',')}],"next":${JSON.stringify(page.next)},"more":${page.more}}`;
}

/**
 * Migration v9: a cursor below the groomed horizon would skip the changes grooming deleted after
 * it: CHANGES_GROOMED, naming both positions. A reader without a cursor starts from what is held.
 */
async function refuseGroomed(
  db: Queryable,
  after: string,
  from: { epoch: string; xid: string; id: string },
): Promise<void> {
  const r = await db.query<{ horizon: string }>(
    `SELECT epoch::text || '-' || xid::text || '-' || id::text AS horizon FROM changes_groomed
      WHERE ($1::integer, $2::text::xid8, $3::bigint) < (epoch, xid, id)`,
    [from.epoch, from.xid, from.id],
  );
  const horizon = r.rows[0]?.horizon;
  if (horizon) throw new SmgrError('CHANGES_GROOMED', { after, horizon });
}

/**
 * The registered DW acknowledges its position when it reads (migration v9): `after` is its
 * committed watermark, so every change up to it is held by the DW (none: it holds nothing yet).
 * Only the DW's own service account acknowledges; the position may move back (a DW restored from
 * an older archive), so grooming never deletes what that DW still needs.
 */
export async function acknowledgePosition(
  db: Queryable,
  username: string,
  after: string | undefined,
): Promise<void> {
  const p = after ? parseCursor(after) : undefined;
  await db.query(
    `UPDATE data_warehouse SET acknowledged_epoch = $2::integer, acknowledged_xid = $3::text::xid8,
            acknowledged_id = $4::bigint, acknowledged_at = now()
      WHERE service_user = $1`,
    [username, p?.epoch ?? null, p?.xid ?? null, p?.id ?? null],
  );
}
