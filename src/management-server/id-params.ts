/**
 * Path parameters naming a row. Ids are validated by pattern (bigint ids as
 * decimal strings within the safe-integer range, uuids in canonical form);
 * an id that fails its pattern is answered like an unknown id, 404 NOT_FOUND
 * (http-errors.ts maps params validation to it), never 500.
 */
import { WORK_ITEM_REF_PATTERN } from './work-item-store.js';

export const numericIdParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', pattern: '^[1-9][0-9]{0,14}$', description: 'Numeric id.' } },
} as const;

export const uuidParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: {
    id: {
      type: 'string',
      pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
      description: 'UUID.',
    },
  },
} as const;

export interface IdParams {
  id: string;
}

/** A work item's id (42) or display id (IR42, any case); see work-item-store.ts. */
export const workItemIdParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: {
    id: {
      type: 'string',
      pattern: WORK_ITEM_REF_PATTERN,
      description: 'Numeric id (42) or display id (IR42, SR43).',
    },
  },
} as const;
