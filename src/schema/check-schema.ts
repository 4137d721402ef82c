/**
 * One place where a document is checked against its schema (TypeBox; the
 * types are derived from the schemas, never written twice). A failure names
 * the JSON path of the first problems in words ("/parts/management-server/
 * listn: unknown key"), so a misspelt key in a user's file is refused with
 * the key named instead of being silently ignored.
 */
import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

type Validator = ReturnType<typeof Compile>;
const compiled = new WeakMap<TSchema, Validator>();

function validatorOf(schema: TSchema): Validator {
  let v = compiled.get(schema);
  if (!v) {
    v = Compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

export interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

/**
 * The raw problems of `value` against `schema`, in the schema's order (empty
 * when it conforms): for a reader that names the first problem in its own
 * words (a `Type.Refine` message arrives with keyword `~refine`).
 */
export function schemaErrors(schema: TSchema, value: unknown): SchemaError[] {
  const v = validatorOf(schema);
  return v.Check(value) ? [] : [...(v.Errors(value) as Iterable<SchemaError>)];
}

/** The problems of `value` against `schema`, in words, at most `max` (empty when it conforms). */
export function schemaProblems(schema: TSchema, value: unknown, max = 5): string[] {
  const v = validatorOf(schema);
  if (v.Check(value)) return [];
  const out: string[] = [];
  const errors = [...(v.Errors(value) as Iterable<SchemaError>)];
  for (let i = 0; i < errors.length && out.length < max; i++) {
    const e = errors[i]!;
    // additionalProperties is reported twice by TypeBox (a `false` schema per key, then the list): keep the list.
    if (e.keyword === 'boolean') continue;
    if (e.keyword === 'const') {
      // A union of literals: one `const` error per member, then `anyOf`; name every allowed value once.
      const allowed: unknown[] = [];
      let j = i;
      for (
        ;
        j < errors.length && errors[j]!.keyword === 'const' && errors[j]!.instancePath === e.instancePath;
        j++
      ) {
        allowed.push(errors[j]!.params.allowedValue);
      }
      if (errors[j]?.keyword === 'anyOf' && errors[j]!.instancePath === e.instancePath) j++;
      out.push(
        `${e.instancePath || '/'}: must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`,
      );
      i = j - 1;
      continue;
    }
    out.push(describe(e));
  }
  return out.length > 0 ? out : ['does not match its schema'];
}

function describe(e: SchemaError): string {
  const at = e.instancePath || '/';
  switch (e.keyword) {
    case 'additionalProperties': {
      const keys = (e.params.additionalProperties as string[] | undefined) ?? [];
      return keys.map((k) => `${e.instancePath}/${k}: unknown key`).join('; ');
    }
    case 'required': {
      const keys = (e.params.requiredProperties as string[] | undefined) ?? [];
      return keys.length
        ? keys.map((k) => `${e.instancePath}/${k}: missing`).join('; ')
        : `${at}: ${e.message}`;
    }
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[] | undefined) ?? [];
      return `${at}: must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`;
    }
    default:
      return `${at}: ${e.message}`;
  }
}

/** Answers `value` typed by `schema`, or throws `fail(problems)`. */
export function checkSchema<S extends TSchema>(
  schema: S,
  value: unknown,
  fail: (problems: string) => Error,
): Static<S> {
  const problems = schemaProblems(schema, value);
  if (problems.length > 0) throw fail(problems.join('; '));
  return value as Static<S>;
}
