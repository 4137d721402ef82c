/**
 * Key records ("the matching key") in the ServiceManager database: key id,
 * part, verifier, wrapped DEK, and when a key backup file was last made.
 * Never key material in clear.
 */
import type { Queryable } from '../db/database.js';
import type { KeyPart } from '../secure-storage/secure-storage.js';
import { computeVerifier, newDek, wrapDek } from './key-hierarchy.js';

export interface KeyRecord {
  keyId: string;
  part: KeyPart;
  verifier: Buffer;
  wrappedDek: Buffer;
  createdAt: Date;
  lastBackupAt: Date | null;
}

interface KeyRecordRow extends Record<string, unknown> {
  key_id: string;
  part: KeyPart;
  verifier: Buffer;
  wrapped_dek: Buffer;
  created_at: Date;
  last_backup_at: Date | null;
}

const COLUMNS = 'key_id, part, verifier, wrapped_dek, created_at, last_backup_at';

const fromRow = (r: KeyRecordRow): KeyRecord => ({
  keyId: r.key_id,
  part: r.part,
  verifier: r.verifier,
  wrappedDek: r.wrapped_dek,
  createdAt: r.created_at,
  lastBackupAt: r.last_backup_at,
});

/** Creates the record of a new KEK: a fresh DEK wrapped by it, and its verifier. */
export async function insertKeyRecord(
  db: Queryable,
  keyId: string,
  part: KeyPart,
  kek: Buffer,
): Promise<void> {
  await db.query('INSERT INTO key_records (key_id, part, verifier, wrapped_dek) VALUES ($1, $2, $3, $4)', [
    keyId,
    part,
    computeVerifier(kek, keyId),
    wrapDek(kek, keyId, newDek()),
  ]);
}

export async function getKeyRecord(db: Queryable, keyId: string): Promise<KeyRecord | undefined> {
  const r = await db.query<KeyRecordRow>(`SELECT ${COLUMNS} FROM key_records WHERE key_id = $1`, [keyId]);
  return r.rows[0] ? fromRow(r.rows[0]) : undefined;
}

export async function listKeyRecords(db: Queryable): Promise<KeyRecord[]> {
  const r = await db.query<KeyRecordRow>(`SELECT ${COLUMNS} FROM key_records ORDER BY created_at, key_id`);
  return r.rows.map(fromRow);
}

export async function recordKeyBackup(db: Queryable, keyIds: readonly string[]): Promise<void> {
  await db.query('UPDATE key_records SET last_backup_at = now() WHERE key_id = ANY($1::text[])', [keyIds]);
}
