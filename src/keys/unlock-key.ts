/**
 * Invariant 1 of ARCHITECTURE §3: a part starts only if its KEK, from secure
 * storage, verifies against its key record. unlockKey() checks that and hands
 * back the sealer for the DEK; every refusal names the key id it needs.
 */
import type { Queryable } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import type { SecureStorage } from '../secure-storage/secure-storage.js';
import { kekMatches, unwrapDek } from './key-hierarchy.js';
import { getKeyRecord } from './key-records.js';
import { SecretSealer } from './secret-sealer.js';

export async function unlockKey(
  db: Queryable,
  storage: SecureStorage,
  keyId: string,
  groupName: string,
): Promise<SecretSealer> {
  const record = await getKeyRecord(db, keyId);
  if (!record) throw new SmgrError('KEY_RECORD_MISSING', { keyId });
  const stored = storage.getKey(keyId);
  if (!stored) throw new SmgrError('KEY_MISSING', { keyId, group: groupName, path: storage.dir });
  if (!kekMatches(stored.kek, keyId, record.verifier)) throw new SmgrError('KEY_MISMATCH', { keyId });
  try {
    return new SecretSealer(keyId, unwrapDek(stored.kek, keyId, record.wrappedDek));
  } catch {
    throw new SmgrError('KEY_MISMATCH', { keyId });
  }
}
