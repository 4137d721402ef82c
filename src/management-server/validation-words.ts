/**
 * Ajv's schema errors (Fastify validates bodies, queries and params with it)
 * in words, in the style of src/schema/check-schema.ts: the JSON path, then
 * what is wrong, naming what would be right: the allowed values of an enum,
 * the unknown field and the fields there are, the missing field. Ajv runs
 * with `verbose` so an error carries its schema; the offending value (`data`)
 * is never put in words: it may be a password.
 */

export interface AjvError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
  schema?: unknown;
  parentSchema?: { properties?: Record<string, unknown> } & Record<string, unknown>;
}

const list = (values: unknown[]) => values.map((v) => JSON.stringify(v)).join(', ');

function fieldsOf(e: AjvError): string {
  const names = Object.keys(e.parentSchema?.properties ?? {});
  return names.length ? ` (the fields are: ${names.join(', ')})` : '';
}

/** `where` is Fastify's validation context: body, querystring, params, headers. */
export function validationWords(where: string, e: AjvError): string {
  const at = `${where}${e.instancePath ?? ''}`;
  const p = e.params ?? {};
  switch (e.keyword) {
    case 'enum':
      return `${at}: must be one of ${list((p.allowedValues as unknown[]) ?? [])}`;
    case 'const':
      return `${at}: must be ${JSON.stringify(p.allowedValue)}`;
    case 'additionalProperties':
      return `${at}/${String(p.additionalProperty)}: unknown field${fieldsOf(e)}`;
    case 'required':
      return `${at}/${String(p.missingProperty)}: missing`;
    case 'minProperties':
      return `${at}: must name at least ${String(p.limit)} field${p.limit === 1 ? '' : 's'}${fieldsOf(e)}`;
    case 'type': {
      const types = String(p.type ?? '').split(',');
      return `${at}: must be ${types.map((t) => (t === 'null' ? 'null' : `a${/^[aeiou]/.test(t) ? 'n' : ''} ${t}`)).join(' or ')}`;
    }
    default:
      return `${at}: ${e.message ?? 'is not valid'}`;
  }
}
