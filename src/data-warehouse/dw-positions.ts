/**
 * Change positions ("<epoch>-<xid>-<id>", decimal: see
 * src/management-server/change-feed.ts) as the DW compares them: three
 * numbers, in that order. Text comparison would put "1-10-1" before
 * "1-9-1". Pure.
 */

export interface PositionParts {
  epoch: string;
  xid: string;
  id: string;
}

/** The start: every position is after it. */
export const ORIGIN: PositionParts = { epoch: '0', xid: '0', id: '0' };

export function positionParts(position: string | undefined | null): PositionParts {
  if (!position) return ORIGIN;
  const [epoch = '0', xid = '0', id = '0'] = position.split('-');
  return { epoch, xid, id };
}

/** SQL: the position column `col` as (integer, numeric, bigint). */
export const positionTuple = (col = 'position'): string =>
  `(split_part(${col}, '-', 1)::integer), (split_part(${col}, '-', 2)::numeric), (split_part(${col}, '-', 3)::bigint)`;
