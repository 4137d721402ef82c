/**
 * Configuration items (computers, users, services) in the ServiceManager
 * database. Parameterised SQL only. (class, name) is unique: a duplicate on
 * insert or rename is CONFLICT naming the class and name. updateConfigItem
 * reads the row FOR UPDATE, so call it inside a transaction. Lists are
 * keyset-paginated by id.
 */

import { type Static, Type } from 'typebox';
import type { Queryable } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { builtInClasses } from '../management-packs/built-in-vocabulary.js';
import { type Properties, propertiesSchema } from './json-properties.js';
import { isUniqueViolation } from './pg-errors.js';

/** The classes smgr's code handles; their names come from the built-in pack smgr.configitems. */
export type ConfigItemClass = 'computer' | 'user' | 'service';
export const CONFIG_ITEM_CLASSES = builtInClasses('configuration-item').map(
  (c) => c.name,
) as readonly ConfigItemClass[];

const ConfigItemClassSchema = Type.Enum([...CONFIG_ITEM_CLASSES]);
const NameSchema = Type.String({ minLength: 1, maxLength: 255 });
const PropertiesSchema = Type.Unsafe<Properties>(propertiesSchema);

/** Shared schema ConfigItem; build-app.ts adds it to the root instance. */
export const ConfigItemSchema = Type.Object(
  {
    id: Type.Integer(),
    class: ConfigItemClassSchema,
    name: Type.String(),
    properties: Type.Unsafe<Properties>({ type: 'object', additionalProperties: true }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'ConfigItem', additionalProperties: false },
);
export type ConfigItem = Static<typeof ConfigItemSchema>;

/** The body of a create. */
export const NewConfigItemSchema = Type.Object(
  { class: ConfigItemClassSchema, name: NameSchema, properties: Type.Optional(PropertiesSchema) },
  { additionalProperties: false },
);
export type NewConfigItem = Static<typeof NewConfigItemSchema>;

/** The body of a patch: name and/or properties; class cannot change. */
export const ConfigItemChangesSchema = Type.Object(
  { name: Type.Optional(NameSchema), properties: Type.Optional(PropertiesSchema) },
  {
    additionalProperties: false,
    minProperties: 1,
    description: 'name and/or properties; class cannot change. properties replaces the whole object.',
  },
);
export type ConfigItemChanges = Static<typeof ConfigItemChangesSchema>;

interface ConfigItemRow extends Record<string, unknown> {
  id: number;
  class: ConfigItemClass;
  name: string;
  properties: Properties;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, class, name, properties, created_at, updated_at';

const fromRow = (r: ConfigItemRow): ConfigItem => ({
  id: r.id,
  class: r.class,
  name: r.name,
  properties: r.properties,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

function duplicate(e: unknown, cls: string, name: string): unknown {
  return isUniqueViolation(e)
    ? new SmgrError(
        'CONFLICT',
        { detail: `A ${cls} configuration item named "${name}" already exists` },
        { cause: e },
      )
    : e;
}

export async function insertConfigItem(db: Queryable, item: NewConfigItem): Promise<ConfigItem> {
  try {
    const r = await db.query<ConfigItemRow>(
      `INSERT INTO config_items (class, name, properties) VALUES ($1, $2, $3::jsonb) RETURNING ${COLUMNS}`,
      [item.class, item.name, JSON.stringify(item.properties ?? {})],
    );
    return fromRow(r.rows[0]!);
  } catch (e) {
    throw duplicate(e, item.class, item.name);
  }
}

export async function getConfigItem(db: Queryable, id: number): Promise<ConfigItem | undefined> {
  const r = await db.query<ConfigItemRow>(`SELECT ${COLUMNS} FROM config_items WHERE id = $1`, [id]);
  return r.rows[0] ? fromRow(r.rows[0]) : undefined;
}

export async function updateConfigItem(
  tx: Queryable,
  id: number,
  changes: ConfigItemChanges,
  /** Issue 10: the properties to store when `changes.properties` replaces the old ones (class extensions). */
  replaceProperties?: (
    given: Record<string, unknown>,
    oldClass: string,
    old: Record<string, unknown>,
  ) => Record<string, unknown>,
): Promise<ConfigItem | undefined> {
  const current = await tx.query<ConfigItemRow>(
    `SELECT ${COLUMNS} FROM config_items WHERE id = $1 FOR UPDATE`,
    [id],
  );
  const row = current.rows[0];
  if (!row) return undefined;
  const name = changes.name ?? row.name;
  try {
    const r = await tx.query<ConfigItemRow>(
      `UPDATE config_items
          SET name = $2, properties = $3::jsonb, updated_at = greatest(now(), updated_at + interval '1 millisecond')
        WHERE id = $1
        RETURNING ${COLUMNS}`,
      [
        id,
        name,
        JSON.stringify(
          changes.properties
            ? (replaceProperties?.(changes.properties, row.class, row.properties) ?? changes.properties)
            : row.properties,
        ),
      ],
    );
    return fromRow(r.rows[0]!);
  } catch (e) {
    throw duplicate(e, row.class, name);
  }
}

export interface ConfigItemFilter {
  class?: ConfigItemClass;
  /** Only ids above this one (keyset pagination); 0 for the first page. */
  afterId: number;
  /** Rows to read (the caller asks for one more than its page size). */
  limit: number;
}

export async function listConfigItems(db: Queryable, f: ConfigItemFilter): Promise<ConfigItem[]> {
  const r = await db.query<ConfigItemRow>(
    `SELECT ${COLUMNS} FROM config_items
      WHERE ($1::text IS NULL OR class = $1::text) AND id > $2::bigint
      ORDER BY id
      LIMIT $3::int`,
    [f.class ?? null, f.afterId, f.limit],
  );
  return r.rows.map(fromRow);
}
