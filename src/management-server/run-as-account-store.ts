/**
 * Run As accounts in the ServiceManager database. Reads hand out metadata
 * only (id, name, username, key id, times); the sealed password is read by
 * getSealedPassword alone, for the server-side check in run-as-secrets.ts.
 * Parameterised SQL only; a duplicate name is CONFLICT. Lists are
 * keyset-paginated by name (unique).
 */
import { type Static, Type } from 'typebox';
import type { Queryable } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { isUniqueViolation } from './pg-errors.js';

/** Shared schema RunAsAccount (metadata only); build-app.ts adds it to the root instance. */
export const RunAsAccountSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    username: Type.String(),
    keyId: Type.String({ description: 'The key whose data key sealed the password.' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'RunAsAccount', additionalProperties: false },
);
export type RunAsAccount = Static<typeof RunAsAccountSchema>;

export interface NewRunAsAccount {
  id: string;
  name: string;
  username: string;
  passwordSealed: Buffer;
  keyId: string;
}

interface RunAsRow extends Record<string, unknown> {
  id: string;
  name: string;
  username: string;
  key_id: string;
  created_at: Date;
  updated_at: Date;
}

/** Metadata columns only: never password_sealed. */
const COLUMNS = 'id, name, username, key_id, created_at, updated_at';

const fromRow = (r: RunAsRow): RunAsAccount => ({
  id: r.id,
  name: r.name,
  username: r.username,
  keyId: r.key_id,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export async function insertRunAsAccount(db: Queryable, a: NewRunAsAccount): Promise<RunAsAccount> {
  try {
    const r = await db.query<RunAsRow>(
      `INSERT INTO run_as_accounts (id, name, username, password_sealed, key_id)
       VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [a.id, a.name, a.username, a.passwordSealed, a.keyId],
    );
    return fromRow(r.rows[0]!);
  } catch (e) {
    if (isUniqueViolation(e)) {
      throw new SmgrError(
        'CONFLICT',
        { detail: `A Run As account named "${a.name}" already exists` },
        { cause: e },
      );
    }
    throw e;
  }
}

export async function getRunAsAccount(db: Queryable, id: string): Promise<RunAsAccount | undefined> {
  const r = await db.query<RunAsRow>(`SELECT ${COLUMNS} FROM run_as_accounts WHERE id = $1::uuid`, [id]);
  return r.rows[0] ? fromRow(r.rows[0]) : undefined;
}

/** The sealed password of a row, with the row's id as the database spells it (the seal is bound to it). */
export async function getSealedPassword(
  db: Queryable,
  id: string,
): Promise<{ id: string; sealed: Buffer; keyId: string } | undefined> {
  const r = await db.query<{ id: string; password_sealed: Buffer; key_id: string }>(
    'SELECT id, password_sealed, key_id FROM run_as_accounts WHERE id = $1::uuid',
    [id],
  );
  const row = r.rows[0];
  return row ? { id: row.id, sealed: row.password_sealed, keyId: row.key_id } : undefined;
}

export interface RunAsFilter {
  /** Only names after this one (keyset pagination); undefined for the first page. */
  afterName?: string;
  /** Rows to read (the caller asks for one more than its page size). */
  limit: number;
}

export async function listRunAsAccounts(db: Queryable, f: RunAsFilter): Promise<RunAsAccount[]> {
  const r = await db.query<RunAsRow>(
    `SELECT ${COLUMNS} FROM run_as_accounts
      WHERE ($1::text IS NULL OR name > $1::text)
      ORDER BY name
      LIMIT $2::int`,
    [f.afterName ?? null, f.limit],
  );
  return r.rows.map(fromRow);
}
