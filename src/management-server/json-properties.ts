/**
 * The free-form `properties` object of work items and configuration items:
 * any JSON object, nested at most MAX_DEPTH levels (checked iteratively, so
 * a deeply nested body is a 400, not a stack overflow or a database error).
 */
import { SmgrError } from '../errors/smgr-error.js';

export const MAX_DEPTH = 32;

export const propertiesSchema = {
  type: 'object',
  additionalProperties: true,
  description: `Free-form JSON object (nested at most ${MAX_DEPTH} levels).`,
} as const;

export type Properties = Record<string, unknown>;

export function checkPropertiesDepth(value: unknown, where = 'body/properties'): void {
  const stack: Array<{ v: unknown; depth: number }> = [{ v: value, depth: 1 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > MAX_DEPTH) {
      throw new SmgrError('VALIDATION', { detail: `${where} is nested deeper than ${MAX_DEPTH} levels` });
    }
    for (const child of Object.values(v)) stack.push({ v: child, depth: depth + 1 });
  }
}
