/**
 * A TypeBox schema that also takes null, as one JSON Schema type list
 * (`type: ["string", "null"]`) rather than an anyOf, so a wrong value gets
 * one plain error ("must be a string or null") instead of one per branch.
 */
import { type Static, type TSchema, Type } from 'typebox';

export function Nullable<T extends TSchema & { type: string }>(schema: T) {
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, 'null'] });
}
