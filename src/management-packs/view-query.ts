/**
 * A view of a pack (docs/MANAGEMENT-PACKS.md §2.7) run as a query: its
 * criteria become a parameterised WHERE over the class's table (built-in
 * fields as columns, extension properties read from the `properties` JSON
 * with their type checked, so a value of another type never matches and
 * never fails a cast), its sort an ORDER BY (then id), and the answer holds
 * the view's columns of each item. Read-only.
 */
import type { Queryable } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import type { FieldType, PackCatalog } from './pack-catalog.js';
import type { PackCriterion, PackView } from './pack-schema.js';

const WORK_ITEM_COLUMNS: Record<string, string> = {
  id: 'id',
  displayId: 'display_id',
  title: 'title',
  description: 'description',
  priority: 'priority',
  status: 'status',
  assignedTo: 'assigned_to',
  affectedUser: 'affected_user',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};
const CONFIG_ITEM_COLUMNS: Record<string, string> = {
  id: 'id',
  name: 'name',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

export interface ViewScope {
  /** Only the work items of this affected user (end users). */
  affectedUser?: string;
}

function sqlType(t: FieldType, column?: string): string {
  if (column === 'id') return 'bigint';
  if (column === 'priority') return 'int';
  if (column === 'created_at' || column === 'updated_at') return 'timestamptz';
  switch (t.type) {
    case 'integer':
    case 'decimal':
      return 'numeric';
    case 'boolean':
      return 'boolean';
    case 'datetime':
      return 'timestamptz';
    default:
      return 'text';
  }
}

const JSON_TYPE: Record<string, string> = {
  numeric: 'number',
  boolean: 'boolean',
  timestamptz: 'string',
  text: 'string',
};

export async function runView(
  db: Queryable,
  view: PackView,
  catalog: PackCatalog,
  scope: ViewScope,
  limit: number,
): Promise<Array<Record<string, unknown>>> {
  const fields = [...view.criteria.map((c) => c.field), ...view.columns, ...view.sort.map((x) => x.field)];
  const unknown = fields.find((f) => !catalog.fieldOf(view.class, f, true));
  // Cannot happen while the packs' rules hold (a view's pack references the packs whose properties it uses).
  if (unknown)
    throw new SmgrError('PACK_INVALID', {
      detail: `view ${view.id} names ${unknown}, which no imported pack defines`,
    });
  const kind = catalog.classes.get(view.class)?.kind;
  const table = kind === 'work-item' ? 'work_items' : 'config_items';
  const columns = kind === 'work-item' ? WORK_ITEM_COLUMNS : CONFIG_ITEM_COLUMNS;
  const params: unknown[] = [view.class];
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const expr = (field: string): { sql: string; type: string } => {
    const t = catalog.fieldOf(view.class, field, true)!;
    const column = columns[field];
    if (column) return { sql: column, type: sqlType(t, column) };
    const type = sqlType(t);
    const key = param(field);
    return {
      sql: `(CASE WHEN jsonb_typeof(properties->${key}::text) = '${JSON_TYPE[type]}' THEN (properties->>${key}::text)::${type} END)`,
      type,
    };
  };
  const where = ['class = $1'];
  if (scope.affectedUser && kind === 'work-item')
    where.push(`affected_user = ${param(scope.affectedUser)}::text`);
  for (const c of view.criteria) where.push(condition(c, expr, param));
  const order = [
    ...view.sort.map((s) => `${expr(s.field).sql} ${s.direction === 'desc' ? 'DESC' : 'ASC'} NULLS LAST`),
    'id',
  ];
  const r = await db.query(
    `SELECT * FROM ${table} WHERE ${where.join(' AND ')} ORDER BY ${order.join(', ')} LIMIT ${param(limit)}::int`,
    params,
  );
  return r.rows.map((row) => project(row, view, columns));
}

function condition(
  c: PackCriterion,
  expr: (field: string) => { sql: string; type: string },
  param: (v: unknown) => string,
): string {
  const e = expr(c.field);
  const ops: Record<string, string> = { eq: '=', lt: '<', le: '<=', gt: '>', ge: '>=' };
  switch (c.operator) {
    case 'is-null':
      return `${e.sql} IS NULL`;
    case 'is-not-null':
      return `${e.sql} IS NOT NULL`;
    case 'ne':
      return `${e.sql} IS DISTINCT FROM ${param(c.value)}::${e.type}`;
    case 'in':
      return `${e.sql} = ANY(${param(c.value)}::${e.type}[])`;
    default:
      return `${e.sql} ${ops[c.operator]} ${param(c.value)}::${e.type}`;
  }
}

function project(
  row: Record<string, unknown>,
  view: PackView,
  columns: Record<string, string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { id: Number(row.id) };
  const properties = (row.properties ?? {}) as Record<string, unknown>;
  for (const field of view.columns) {
    const column = columns[field];
    const v = column ? row[column] : properties[field];
    out[field] = v instanceof Date ? v.toISOString() : column === 'id' ? Number(v) : (v ?? null);
  }
  return out;
}
