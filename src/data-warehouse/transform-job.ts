/**
 * The Transform job (docs/DATA-WAREHOUSE.md §3): DWStagingAndConfig's
 * staging tables → DWRepository's versions, one kind of change at a time
 * (users, configuration items, work items, work item history), each in
 * position order from its own watermark (`transform:<kind>` in
 * DWRepository.watermarks). The next batch is read and cleansed while one
 * is written (two batches in memory at most).
 *
 * Guarantees: a batch's versions, the recomputed validity intervals of the
 * entities it touches and the watermark after it are written in ONE
 * DWRepository transaction; a kill at any point leaves the last committed
 * batch and the next run continues from its watermark. Versions are keyed
 * by position (a version already written is not inserted again) and the
 * intervals are computed from every version of an entity in the statement
 * that inserts the new ones (an older version is updated only where its
 * interval changed), so re-running a batch changes nothing (a
 * table that doubled since its last analysis is analyzed first, so those
 * recomputations stay index lookups: dw-analyze.ts). If the
 * watermark moved under the batch (another runner), the batch is refused
 * (DW_JOB_RUNNING) and nothing of it is written.
 */
import type { Progress } from '../backup/progress.js';
import { reportStep } from '../backup/progress.js';
import type { Database } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { analyzeIfStale } from './dw-analyze.js';
import {
  cleanseConfigItem,
  cleanseEvent,
  cleanseUser,
  cleanseWorkItem,
  type StagedChange,
} from './dw-cleanse.js';
import type { JobTally } from './dw-job-run.js';
import { type DwLists, readDwLists } from './dw-lists.js';
import { positionParts, positionTuple } from './dw-positions.js';
import { readRepoWatermark, writeRepoWatermark } from './dw-watermarks.js';
import { commitReadingAhead, type PlannedBatch, type Writer } from './read-ahead.js';

export interface TransformOptions {
  staging: Database;
  repository: Database;
  dwName: string;
  batchSize: number;
  progress: Progress;
  /** Stops after this many batches in all (tests of a crash between batches); default no limit. */
  maxBatches?: number;
  /** Called after each committed batch (a job that follows Transform: dw-jobs.ts JobLinks). */
  onCommit?: () => void;
}

type Kind = 'user' | 'config-item' | 'work-item' | 'work-item-history';

const KINDS: ReadonlyArray<{ kind: Kind; staging: string; writes: string }> = [
  { kind: 'user', staging: 'staging_users', writes: 'user_versions' },
  { kind: 'config-item', staging: 'staging_config_items', writes: 'config_item_versions' },
  { kind: 'work-item', staging: 'staging_work_items', writes: 'work_item_versions' },
  { kind: 'work-item-history', staging: 'staging_work_item_history', writes: 'work_item_events' },
];

export const transformWatermark = (kind: Kind): string => `transform:${kind}`;

export async function transformAll(o: TransformOptions, tally: JobTally): Promise<void> {
  const lists = await readDwLists(o.staging);
  for (const k of KINDS) {
    if (o.maxBatches !== undefined && tally.batches >= o.maxBatches) return;
    // The next batch is read and cleansed while this one is written (its reads are of
    // DWStagingAndConfig, after this batch's last position).
    await commitReadingAhead(
      await readRepoWatermark(o.repository, transformWatermark(k.kind)),
      {
        plan: (wm) => planBatch(o, k, lists, wm),
        commit: (batch) => commitBatch(o, k.kind, batch),
        maxBatches: o.maxBatches,
        onCommit: o.onCommit,
      },
      tally,
    );
  }
}

async function planBatch(
  o: TransformOptions,
  k: (typeof KINDS)[number],
  lists: DwLists,
  wm: string | null,
): Promise<PlannedBatch | undefined> {
  await analyzeIfStale(o.repository, [k.writes]);
  const from = positionParts(wm);
  const r = await o.staging.query<{
    position: string;
    op: StagedChange['op'];
    entity_id: string;
    changed_at: Date;
    data: Record<string, unknown>;
  }>(
    `SELECT position, op, entity_id, changed_at, data FROM ${k.staging}
      WHERE (${positionTuple()}) > ($1::integer, $2::numeric, $3::bigint)
      ORDER BY ${positionTuple()} LIMIT $4`,
    [from.epoch, from.xid, from.id, o.batchSize],
  );
  if (r.rows.length === 0) return undefined;
  const changes: StagedChange[] = r.rows.map((x) => ({
    position: x.position,
    op: x.op,
    entityId: Number(x.entity_id),
    changedAt: x.changed_at.toISOString(),
    data: x.data,
  }));
  reportStep(o.progress, `transform ${k.kind}: ${changes.length} changes after ${wm ?? 'the beginning'}`);
  const write =
    k.kind === 'user'
      ? writeVersions(USER_VERSIONS, changes.map(cleanseUser))
      : k.kind === 'config-item'
        ? writeVersions(CONFIG_ITEM_VERSIONS, changes.map(cleanseConfigItem))
        : k.kind === 'work-item'
          ? writeVersions(
              WORK_ITEM_VERSIONS,
              changes.map((c) => cleanseWorkItem(c, lists)),
            )
          : writeEvents(changes);
  return {
    wm,
    next: changes.at(-1)!.position,
    rows: changes.length,
    full: changes.length === o.batchSize,
    write,
  };
}

/** A batch's rows and the watermark after it, in one DWRepository transaction; refused if the watermark moved. */
async function commitBatch(o: TransformOptions, kind: Kind, batch: PlannedBatch): Promise<void> {
  const job = transformWatermark(kind);
  await o.repository.transaction(async (tx) => {
    if ((await readRepoWatermark(tx, job)) !== batch.wm)
      throw new SmgrError('DW_JOB_RUNNING', { job: 'transform', dw: o.dwName });
    await batch.write(tx);
    reportStep(o.progress, `transform ${kind}: committing watermark ${batch.next}`);
    await writeRepoWatermark(tx, job, batch.next);
  });
}

const POS = `split_part(position, '-', 1)::integer, split_part(position, '-', 2)::numeric, split_part(position, '-', 3)::bigint`;
const POS_AS = `split_part(x.position, '-', 1)::integer AS pos_epoch, split_part(x.position, '-', 2)::numeric AS pos_xid,
  split_part(x.position, '-', 3)::bigint AS pos_id`;
const POS_DESC = `split_part(position, '-', 1)::integer DESC, split_part(position, '-', 2)::numeric DESC, split_part(position, '-', 3)::bigint DESC`;

/** One versions table: its entity column and its columns after (position, the id, changed_at, deleted), typed. */
interface VersionsTable {
  table: string;
  id: string;
  /** Whether valid_from follows updated_at (docs/DATA-WAREHOUSE.md §3). */
  withUpdatedAt: boolean;
  columns: Readonly<Record<string, string>>;
}

const USER_VERSIONS: VersionsTable = {
  table: 'user_versions',
  id: 'user_id',
  withUpdatedAt: false,
  columns: { username: 'text' },
};
const CONFIG_ITEM_VERSIONS: VersionsTable = {
  table: 'config_item_versions',
  id: 'config_item_id',
  withUpdatedAt: true,
  columns: {
    class: 'text',
    name: 'text',
    properties: 'jsonb',
    created_at: 'timestamptz',
    updated_at: 'timestamptz',
  },
};
const WORK_ITEM_VERSIONS: VersionsTable = {
  table: 'work_item_versions',
  id: 'work_item_id',
  withUpdatedAt: true,
  columns: {
    class: 'text',
    display_id: 'text',
    title: 'text',
    description: 'text',
    status: 'text',
    status_item: 'text',
    priority: 'integer',
    priority_item: 'text',
    classification_item: 'text',
    assigned_to: 'text',
    affected_user: 'text',
    config_items: 'jsonb',
    properties: 'jsonb',
    created_at: 'timestamptz',
    updated_at: 'timestamptz',
    resolve_by: 'timestamptz',
    breached_at: 'timestamptz',
  },
};

/**
 * A batch's versions written with their validity intervals, in ONE
 * statement (docs/DATA-WAREHOUSE.md §3): the intervals are computed over
 * every version of the batch's entities (those already written and the
 * batch's new ones), ordered by (changed_at, position); valid_from is the
 * row's updated_at when it moved past the previous version's (withUpdatedAt),
 * else changed_at, never earlier than the previous valid_from; valid_to is
 * the next version's valid_from. New versions are inserted with their
 * interval; versions already written are updated only where their interval
 * changed (an entity's last version when the batch brings a newer one). A
 * version already written (a re-run batch) is not inserted again, and its
 * interval comes out the same, so a re-run changes nothing.
 */
function writeVersions(t: VersionsTable, rows: readonly object[]): Writer {
  if (rows.length === 0) return async () => {};
  const own = Object.keys(t.columns);
  const recordType = [
    'position text',
    `${t.id} bigint`,
    'changed_at timestamptz',
    'deleted boolean',
    ...own.map((c) => `${c} ${t.columns[c]}`),
  ].join(', ');
  const order = `PARTITION BY ${t.id} ORDER BY changed_at, pos_epoch, pos_xid, pos_id`;
  const updated = t.withUpdatedAt ? 'updated_at' : 'NULL::timestamptz AS updated_at';
  const candidate = t.withUpdatedAt
    ? `CASE WHEN NOT deleted AND (prev_updated IS NULL OR updated_at > prev_updated) THEN updated_at
            ELSE changed_at END`
    : 'changed_at';
  const sql = `WITH batch AS MATERIALIZED (
       SELECT DISTINCT ON (position) x.*, ${POS_AS}
         FROM jsonb_to_recordset($1::jsonb) AS x(${recordType}) ORDER BY position),
     fresh AS MATERIALIZED (
       SELECT b.* FROM batch b WHERE NOT EXISTS (SELECT 1 FROM ${t.table} v WHERE v.position = b.position)),
     every AS (
       SELECT position, ${t.id}, changed_at, pos_epoch, pos_xid, pos_id, deleted, ${updated},
              valid_from AS old_from, valid_to AS old_to, false AS is_new
         FROM ${t.table} WHERE ${t.id} = ANY($2::bigint[])
       UNION ALL
       SELECT position, ${t.id}, changed_at, pos_epoch, pos_xid, pos_id, deleted, ${updated},
              NULL, NULL, true FROM fresh),
     ordered AS (
       SELECT *, ${t.withUpdatedAt ? `lag(updated_at) OVER (${order})` : 'NULL::timestamptz'} AS prev_updated
         FROM every),
     starts AS (
       SELECT *, max(${candidate}) OVER (${order} ROWS UNBOUNDED PRECEDING) AS valid_from FROM ordered),
     intervals AS (
       SELECT position, is_new, old_from, old_to, valid_from, lead(valid_from) OVER (${order}) AS valid_to
         FROM starts),
     inserted AS (
       INSERT INTO ${t.table} (position, pos_epoch, pos_xid, pos_id, ${t.id}, changed_at, deleted,
                               ${own.join(', ')}, valid_from, valid_to)
       SELECT f.position, f.pos_epoch, f.pos_xid, f.pos_id, f.${t.id}, f.changed_at, f.deleted,
              ${own.map((c) => `f.${c}`).join(', ')}, i.valid_from, i.valid_to
         FROM fresh f JOIN intervals i ON i.position = f.position AND i.is_new
       ON CONFLICT (position) DO NOTHING)
     UPDATE ${t.table} v SET valid_from = i.valid_from, valid_to = i.valid_to
       FROM intervals i
      WHERE NOT i.is_new AND v.position = i.position
        AND (i.old_from IS DISTINCT FROM i.valid_from OR i.old_to IS DISTINCT FROM i.valid_to)`;
  const params = [JSON.stringify(rows), [...new Set(rows.map((r) => (r as Record<string, unknown>)[t.id]))]];
  return async (tx) => {
    await tx.query(sql, params);
  };
}

function writeEvents(changes: readonly StagedChange[]): Writer {
  const rows = changes.map(cleanseEvent);
  const upserts = JSON.stringify(rows.filter((x) => x.op !== 'delete'));
  const deletes = JSON.stringify(rows.filter((x) => x.op === 'delete'));
  const some = (json: string) => json !== '[]';
  return async (tx) => {
    // Inserts and updates: the row as the source has it (an update rewrites it the same way twice).
    if (some(upserts))
      await tx.query(
        `INSERT INTO work_item_events (event_id, position, work_item_id, at, actor, change)
     SELECT DISTINCT ON (event_id) event_id, position, work_item_id, at, actor, change
       FROM jsonb_to_recordset($1::jsonb)
         AS x(event_id bigint, position text, work_item_id bigint, at timestamptz, actor text, change jsonb)
      ORDER BY event_id, ${POS_DESC}
     ON CONFLICT (event_id) DO UPDATE SET work_item_id = excluded.work_item_id, at = excluded.at,
       actor = excluded.actor, change = excluded.change`,
        [upserts],
      );
    // Deletes (a work item groomed takes its history with it): the event stays, marked.
    if (some(deletes))
      await tx.query(
        `INSERT INTO work_item_events (event_id, position, work_item_id, at, actor, change, deleted_at)
     SELECT DISTINCT ON (event_id) event_id, position, work_item_id, at, actor, change, changed_at
       FROM jsonb_to_recordset($1::jsonb)
         AS x(event_id bigint, position text, work_item_id bigint, at timestamptz, actor text, change jsonb,
              changed_at timestamptz)
      ORDER BY event_id, ${POS}
     ON CONFLICT (event_id) DO UPDATE SET deleted_at = excluded.deleted_at
       WHERE work_item_events.deleted_at IS NULL`,
        [deletes],
      );
  };
}
