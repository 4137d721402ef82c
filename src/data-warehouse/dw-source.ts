/**
 * The source group this DW is registered with, as DWStagingAndConfig keeps
 * it: id, name, URL, the DW's service account and its password sealed with
 * the DW's DEK (bound to table source_group, column credential_sealed, row
 * = the source group's id). Only unlocked code (holding the DW sealer)
 * opens the credential.
 */
import type { Queryable } from '../db/database.js';
import type { SecretSealer } from '../keys/secret-sealer.js';

export interface SourceGroup {
  id: string;
  name: string;
  url: string;
  username: string;
  credentialSealed: Buffer;
  keyId: string;
  registeredAt: Date;
}

export const credentialContext = (groupId: string) => ({
  table: 'source_group',
  column: 'credential_sealed',
  row: groupId,
});

export async function readSourceGroup(db: Queryable): Promise<SourceGroup | undefined> {
  const r = await db.query<{
    id: string;
    name: string;
    url: string;
    username: string;
    credential_sealed: Buffer;
    key_id: string;
    registered_at: Date;
  }>('SELECT id, name, url, username, credential_sealed, key_id, registered_at FROM source_group');
  const row = r.rows[0];
  return row
    ? {
        id: row.id,
        name: row.name,
        url: row.url,
        username: row.username,
        credentialSealed: row.credential_sealed,
        keyId: row.key_id,
        registeredAt: row.registered_at,
      }
    : undefined;
}

export function openCredential(sealer: SecretSealer, source: SourceGroup): string {
  return sealer.open(source.credentialSealed, credentialContext(source.id));
}
