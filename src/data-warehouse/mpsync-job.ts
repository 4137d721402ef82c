/**
 * The MPSync job (docs/DATA-WAREHOUSE.md §2): the management server's packs
 * (GET /api/v1/management-packs?all=true, then each pack's document, with
 * the DW's own credential) → DWStagingAndConfig's dw_* tables, additively.
 * What the source has is inserted or updated and shown; what it no longer
 * has (a removed pack, an item gone from an unsealed pack) is marked
 * hidden, never deleted. Lists come from every pack; classes and class
 * extension properties from sealed packs only.
 *
 * Guarantees: the packs are fetched first, then written in ONE
 * DWStagingAndConfig transaction; a kill leaves the previous sync whole.
 * Idempotent: a second sync of the same packs changes no row (rows counts
 * what changed).
 */
import type { Database, Queryable } from '../db/database.js';
import type { Pack } from '../management-packs/pack-schema.js';
import type { JobTally } from './dw-job-run.js';
import { flattenPackLists, type ListItemRow, type ListRow } from './dw-lists.js';
import type { SourceSession } from './source-client.js';

interface PackSummary {
  id: string;
  version: string;
  name: string;
  sealed: boolean;
  removedAt: string | null;
}

export interface SyncedPack {
  summary: PackSummary;
  document: Pack;
}

export async function fetchPacks(session: SourceSession): Promise<SyncedPack[]> {
  const list = await session.call<{ items: PackSummary[] }>('GET', '/api/v1/management-packs?all=true');
  const out: SyncedPack[] = [];
  for (const summary of list.items) {
    const one = await session.call<{ document: Pack }>(
      'GET',
      `/api/v1/management-packs/${encodeURIComponent(summary.id)}`,
    );
    out.push({ summary, document: one.document });
  }
  return out.sort((a, b) => a.summary.id.localeCompare(b.summary.id));
}

export async function syncPacks(
  staging: Database,
  packs: readonly SyncedPack[],
  tally: JobTally,
): Promise<void> {
  const lists: ListRow[] = [];
  const items: ListItemRow[] = [];
  const classes: Array<{ class: string; kind: string; pack_id: string; hidden: boolean }> = [];
  const properties: Array<Record<string, unknown>> = [];
  for (const p of packs) {
    const hidden = p.summary.removedAt !== null;
    const flat = flattenPackLists(p.document, hidden);
    lists.push(...flat.lists);
    items.push(...flat.items);
    if (!p.summary.sealed) continue;
    for (const c of p.document.classes ?? [])
      classes.push({ class: c.name, kind: c.kind, pack_id: p.summary.id, hidden });
    for (const e of p.document.classExtensions ?? []) {
      for (const prop of e.properties) {
        properties.push({
          class: e.class,
          property_id: prop.id,
          pack_id: p.summary.id,
          name: prop.name,
          type: prop.type,
          list_id: prop.list ?? null,
          hidden,
        });
      }
    }
  }
  await staging.transaction(async (tx) => {
    let n = 0;
    n += await upsert(
      tx,
      'dw_management_packs',
      ['pack_id'],
      { version: 'text', name: 'text', sealed: 'boolean', hidden: 'boolean' },
      packs.map((p) => ({
        pack_id: p.summary.id,
        version: p.summary.version,
        name: p.summary.name,
        sealed: p.summary.sealed,
        hidden: p.summary.removedAt !== null,
      })),
      'last_synced_at = now()',
    );
    n += await upsert(
      tx,
      'dw_lists',
      ['list_id'],
      { pack_id: 'text', name: 'text', hidden: 'boolean' },
      dedupe(lists, (l) => l.listId).map((l) => ({
        list_id: l.listId,
        pack_id: l.packId,
        name: l.name,
        hidden: l.hidden,
      })),
    );
    n += await upsert(
      tx,
      'dw_list_items',
      ['item_id'],
      {
        list_id: 'text',
        parent_id: 'text',
        name: 'text',
        value: 'jsonb',
        ordinal: 'integer',
        depth: 'integer',
        hidden: 'boolean',
      },
      dedupe(items, (i) => i.itemId).map((i) => ({
        item_id: i.itemId,
        list_id: i.listId,
        parent_id: i.parentId,
        name: i.name,
        value: i.value,
        ordinal: i.ordinal,
        depth: i.depth,
        hidden: i.hidden,
      })),
    );
    n += await upsert(
      tx,
      'dw_classes',
      ['class'],
      { kind: 'text', pack_id: 'text', hidden: 'boolean' },
      dedupe(classes, (c) => c.class),
    );
    n += await upsert(
      tx,
      'dw_class_properties',
      ['class', 'property_id'],
      { pack_id: 'text', name: 'text', type: 'text', list_id: 'text', hidden: 'boolean' },
      dedupe(properties, (p) => `${p.class}\u0000${p.property_id}`),
    );
    tally.rows += n;
    tally.batches += 1;
  });
}

/** Visible entries win over hidden ones of the same id (an id moved from a removed pack to another). */
function dedupe<T>(xs: readonly T[], key: (x: T) => string): T[] {
  const out = new Map<string, T>();
  for (const x of xs) {
    const k = key(x);
    const had = out.get(k) as { hidden?: boolean } | undefined;
    if (!had || (had.hidden && !(x as { hidden?: boolean }).hidden)) out.set(k, x);
  }
  return [...out.values()];
}

/**
 * Inserts or updates `rows` (changed columns only), and hides every row of
 * `table` the source no longer has. Answers the number of rows changed.
 */
async function upsert(
  tx: Queryable,
  table: string,
  keys: readonly string[],
  columns: Record<string, string>,
  rows: ReadonlyArray<Record<string, unknown>>,
  onUpdate?: string,
): Promise<number> {
  const all = [...keys.map((k) => [k, 'text'] as const), ...Object.entries(columns)];
  const names = all.map(([c]) => c);
  const set = Object.keys(columns).map((c) => `${c} = excluded.${c}`);
  const changed = Object.keys(columns).map((c) => `${table}.${c} IS DISTINCT FROM excluded.${c}`);
  const json = JSON.stringify(rows);
  const up = await tx.query(
    `INSERT INTO ${table} (${names.join(', ')})
     SELECT ${names.join(', ')} FROM jsonb_to_recordset($1::jsonb) AS x(${all.map(([c, t]) => `${c} ${t}`).join(', ')})
     ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${[...set, ...(onUpdate ? [onUpdate] : [])].join(', ')}
     WHERE ${changed.join(' OR ')}`,
    [json],
  );
  const hid = await tx.query(
    `UPDATE ${table} t SET hidden = true
      WHERE NOT t.hidden AND NOT EXISTS (
        SELECT 1 FROM jsonb_to_recordset($1::jsonb) AS x(${keys.map((k) => `${k} text`).join(', ')})
         WHERE ${keys.map((k) => `x.${k} = t.${k}`).join(' AND ')})`,
    [json],
  );
  return up.rowCount + hid.rowCount;
}
