/**
 * Approvals: an analyst asks a user (the approver) to approve a work item;
 * the approver answers once, approved or rejected, with an optional comment
 * (Service Manager's review activity with one reviewer). Parameterised SQL
 * only; an answer is taken under a row lock, so two answers at once cannot
 * both win. Lists are keyset-paginated by id. An approval carries a summary
 * of its work item, so an approver who is not its affected user can decide.
 */
import { type Static, Type } from 'typebox';
import type { Queryable } from '../db/database.js';
import { Nullable } from './nullable.js';
import { WORK_ITEM_CLASSES, WORK_ITEM_STATUSES } from './work-item-store.js';

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected'] as const;
export const APPROVAL_DECISIONS = ['approved', 'rejected'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

const nullableString = (description?: string) => Nullable(Type.String(description ? { description } : {}));

export const ApprovalSchema = Type.Object(
  {
    id: Type.Integer(),
    workItem: Type.Object(
      {
        id: Type.Integer(),
        displayId: Type.String(),
        class: Type.Enum([...WORK_ITEM_CLASSES]),
        title: Type.String(),
        description: nullableString(),
        status: Type.Enum([...WORK_ITEM_STATUSES]),
        affectedUser: nullableString(),
      },
      { additionalProperties: false, description: 'What is to be approved.' },
    ),
    approver: Type.String({ description: 'The user name of who answers.' }),
    title: Type.String({ description: 'What the approver is asked.' }),
    status: Type.Enum([...APPROVAL_STATUSES]),
    comment: nullableString("The approver's comment with the answer."),
    requestedBy: Type.String(),
    requestedAt: Type.String({ format: 'date-time' }),
    decidedAt: Nullable(Type.String({ format: 'date-time' })),
  },
  { $id: 'Approval', additionalProperties: false },
);

export type Approval = Static<typeof ApprovalSchema>;

export const ApprovalRef = Type.Unsafe<Approval>({ $ref: 'Approval#' });

interface ApprovalRow extends Record<string, unknown> {
  id: number;
  approver: string;
  title: string;
  status: ApprovalStatus;
  comment: string | null;
  requested_by: string;
  requested_at: Date;
  decided_at: Date | null;
  wi_id: number;
  wi_display_id: string;
  wi_class: Approval['workItem']['class'];
  wi_title: string;
  wi_description: string | null;
  wi_status: Approval['workItem']['status'];
  wi_affected_user: string | null;
}

const SELECT = `SELECT a.id, a.approver, a.title, a.status, a.comment, a.requested_by, a.requested_at,
       a.decided_at, w.id AS wi_id, w.display_id AS wi_display_id, w.class AS wi_class,
       w.title AS wi_title, w.description AS wi_description, w.status AS wi_status,
       w.affected_user AS wi_affected_user
  FROM work_item_approvals a JOIN work_items w ON w.id = a.work_item_id`;

const fromRow = (r: ApprovalRow): Approval => ({
  id: r.id,
  workItem: {
    id: r.wi_id,
    displayId: r.wi_display_id,
    class: r.wi_class,
    title: r.wi_title,
    description: r.wi_description,
    status: r.wi_status,
    affectedUser: r.wi_affected_user,
  },
  approver: r.approver,
  title: r.title,
  status: r.status,
  comment: r.comment,
  requestedBy: r.requested_by,
  requestedAt: r.requested_at.toISOString(),
  decidedAt: r.decided_at?.toISOString() ?? null,
});

export async function insertApproval(
  tx: Queryable,
  a: { workItemId: number; approver: string; title: string; requestedBy: string },
): Promise<Approval> {
  const r = await tx.query<{ id: number }>(
    `INSERT INTO work_item_approvals (work_item_id, approver, title, requested_by) VALUES ($1, $2, $3, $4)
     RETURNING id`,
    [a.workItemId, a.approver, a.title, a.requestedBy],
  );
  return (await getApproval(tx, r.rows[0]!.id))!;
}

/** An approval by id; with `approver`, only if it is assigned to them (else undefined, like a missing one). */
export async function getApproval(
  db: Queryable,
  id: number,
  approver?: string,
  forUpdate = false,
): Promise<Approval | undefined> {
  const r = await db.query<ApprovalRow>(
    `${SELECT} WHERE a.id = $1 AND ($2::text IS NULL OR a.approver = $2::text)${forUpdate ? ' FOR UPDATE OF a' : ''}`,
    [id, approver ?? null],
  );
  return r.rows[0] ? fromRow(r.rows[0]) : undefined;
}

export async function decideApproval(
  tx: Queryable,
  id: number,
  decision: ApprovalDecision,
  comment: string | null,
): Promise<Approval> {
  await tx.query(
    `UPDATE work_item_approvals SET status = $2, comment = $3, decided_at = clock_timestamp()
      WHERE id = $1 AND status = 'pending'`,
    [id, decision, comment],
  );
  return (await getApproval(tx, id))!;
}

export interface ApprovalFilter {
  workItemId?: number;
  approver?: string;
  status?: ApprovalStatus;
  afterId: number;
  limit: number;
}

export async function listApprovals(db: Queryable, f: ApprovalFilter): Promise<Approval[]> {
  const r = await db.query<ApprovalRow>(
    `${SELECT}
      WHERE ($1::bigint IS NULL OR a.work_item_id = $1::bigint)
        AND ($2::text IS NULL OR a.approver = $2::text)
        AND ($3::text IS NULL OR a.status = $3::text)
        AND a.id > $4::bigint
      ORDER BY a.id
      LIMIT $5::int`,
    [f.workItemId ?? null, f.approver ?? null, f.status ?? null, f.afterId, f.limit],
  );
  return r.rows.map(fromRow);
}
