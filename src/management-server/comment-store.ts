/**
 * Comments on work items (the action log of Service Manager): who wrote
 * what, when, and whether it is private (analysts' notes, never shown to end
 * users). Written in the same transaction as the work item's history entry
 * and its updatedAt bump (routes/comments.ts). Parameterised SQL only; lists
 * are keyset-paginated by id. Comments are never changed or deleted; they go
 * with their work item (ON DELETE CASCADE, e.g. grooming).
 */
import { type Static, Type } from 'typebox';
import type { Queryable } from '../db/database.js';

export const CommentSchema = Type.Object(
  {
    id: Type.Integer(),
    workItemId: Type.Integer(),
    author: Type.String({ description: 'The user name of who wrote it.' }),
    body: Type.String(),
    private: Type.Boolean({ description: 'Seen by analysts and administrators only.' }),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Comment', additionalProperties: false },
);

export type Comment = Static<typeof CommentSchema>;

export const CommentRef = Type.Unsafe<Comment>({ $ref: 'Comment#' });

interface CommentRow extends Record<string, unknown> {
  id: number;
  work_item_id: number;
  author: string;
  body: string;
  private: boolean;
  created_at: Date;
}

const COLUMNS = 'id, work_item_id, author, body, private, created_at';

const fromRow = (r: CommentRow): Comment => ({
  id: r.id,
  workItemId: r.work_item_id,
  author: r.author,
  body: r.body,
  private: r.private,
  createdAt: r.created_at.toISOString(),
});

export async function insertComment(
  tx: Queryable,
  c: { workItemId: number; author: string; body: string; private: boolean },
): Promise<Comment> {
  const r = await tx.query<CommentRow>(
    `INSERT INTO work_item_comments (work_item_id, author, body, private) VALUES ($1, $2, $3, $4)
     RETURNING ${COLUMNS}`,
    [c.workItemId, c.author, c.body, c.private],
  );
  return fromRow(r.rows[0]!);
}

export interface CommentFilter {
  workItemId: number;
  /** false: leave private comments out (end users). */
  includePrivate: boolean;
  afterId: number;
  limit: number;
}

export async function listComments(db: Queryable, f: CommentFilter): Promise<Comment[]> {
  const r = await db.query<CommentRow>(
    `SELECT ${COLUMNS} FROM work_item_comments
      WHERE work_item_id = $1 AND ($2::boolean OR NOT private) AND id > $3::bigint
      ORDER BY id
      LIMIT $4::int`,
    [f.workItemId, f.includePrivate, f.afterId, f.limit],
  );
  return r.rows.map(fromRow);
}
