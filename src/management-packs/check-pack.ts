/**
 * A pack document as the user gave it (text or a parsed value) checked
 * against the schema of pack-schema.ts: the typed Pack, or PACK_INVALID
 * naming the JSON path of each problem. The rules that need the other packs
 * are pack-rules.ts.
 */
import { SmgrError } from '../errors/smgr-error.js';
import { schemaProblems } from '../schema/check-schema.js';
import { MAX_PACK_BYTES, type Pack, PackSchema } from './pack-schema.js';

export function invalidPack(problems: string[]): SmgrError {
  const shown = problems.slice(0, 20);
  const more = problems.length > shown.length ? `; and ${problems.length - shown.length} more` : '';
  return new SmgrError('PACK_INVALID', { detail: `${shown.join('; ')}${more}` });
}

export function checkPackDocument(value: unknown): Pack {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw invalidPack(['/: must be a JSON object']);
  const problems = schemaProblems(PackSchema, value, 20);
  if (problems.length > 0) throw invalidPack(problems);
  return value as Pack;
}

export function parsePackText(text: string): Pack {
  if (Buffer.byteLength(text, 'utf8') > MAX_PACK_BYTES)
    throw invalidPack([`/: larger than ${MAX_PACK_BYTES} bytes`]);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw invalidPack([`/: not JSON (${(e as Error).message})`]);
  }
  return checkPackDocument(value);
}
