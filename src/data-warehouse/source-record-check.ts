/**
 * Invariant 1 for the DW's second key record: once registered, the DW's KEK
 * must verify against its record in the Service Manager group's
 * ServiceManager database, read through the management server's API with
 * the DW's own credential (GET /api/v1/data-warehouse/self). Answers what
 * the management server holds, or throws DW_KEY_MISMATCH_SOURCE naming the
 * key id; a server that cannot be reached throws DW_SOURCE_UNREACHABLE.
 */
import { SmgrError } from '../errors/smgr-error.js';
import { kekMatches } from '../keys/key-hierarchy.js';
import type { SecretSealer } from '../keys/secret-sealer.js';
import type { SecureStorage } from '../secure-storage/secure-storage.js';
import { openCredential, type SourceGroup } from './dw-source.js';
import { type SourceSession, withSourceSession } from './source-client.js';

/** GET /api/v1/data-warehouse/self: what ServiceManager records of this DW. */
export interface SourceRecord {
  managementGroup: { id: string; name: string };
  dataWarehouse: { id: string; name: string; computerName: string; keyId: string; verifier: string };
  registration: { alive: boolean; lastHeartbeat: string | null } | null;
}

export function checkSourceRecord(
  record: SourceRecord,
  storage: SecureStorage,
  keyId: string,
  group: string,
): void {
  const fail = (detail: string) => new SmgrError('DW_KEY_MISMATCH_SOURCE', { keyId, group, detail });
  if (record.dataWarehouse.keyId !== keyId)
    throw fail(`ServiceManager records key ${record.dataWarehouse.keyId}`);
  const local = storage.getKey(keyId);
  if (!local) throw fail('the key is not in secure storage');
  if (!kekMatches(local.kek, keyId, Buffer.from(record.dataWarehouse.verifier, 'base64'))) {
    throw fail('the key in secure storage does not verify against the record in ServiceManager');
  }
}

export async function withSourceAccount<T>(
  source: SourceGroup,
  sealer: SecretSealer,
  fn: (s: SourceSession) => Promise<T>,
): Promise<T> {
  return withSourceSession(source.url, source.username, openCredential(sealer, source), fn);
}

export async function verifyAgainstSource(
  source: SourceGroup,
  sealer: SecretSealer,
  storage: SecureStorage,
): Promise<SourceRecord> {
  const record = await withSourceAccount(source, sealer, (s) =>
    s.call<SourceRecord>('GET', '/api/v1/data-warehouse/self'),
  );
  checkSourceRecord(record, storage, sealer.keyId, source.name);
  return record;
}
