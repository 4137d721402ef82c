/**
 * Authentication of archives, format version 2 (docs/FORMAT.md §2.9): who
 * may write an archive that smgr restores. age alone does not say: anyone
 * holding the group's public backup recipient — it is in the database, so
 * in every dump — can encrypt an archive to it. So the header and the
 * manifest each carry an HMAC-SHA256 under a key only the group's servers
 * and its key backup files hold: derived (HKDF-SHA256) from the management
 * group's KEK, salted with the group's id. The header also carries the
 * SHA-256 of the age header it travels in, so an authenticated header
 * cannot be moved into another age file (whose payload someone else chose);
 * the manifest repeats the header's MAC and holds every table's hash and
 * every other entry's hash, so its MAC authenticates the whole archive.
 *
 * Pure functions over bytes; keys never leave this module except as the
 * derived MAC key inside an ArchiveAuthKey.
 */
import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { bech32 } from '@scure/base';
import type { Queryable } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { kekMatches } from '../keys/key-hierarchy.js';
import { listKeyRecords } from '../keys/key-records.js';
import type { SecureStorage } from '../secure-storage/secure-storage.js';

export const AUTH_ALGORITHM = 'HMAC-SHA256';
const HEADER_LABEL = 'smgr-backup header v2\n';
const MANIFEST_LABEL = 'smgr-backup manifest v2\n';
const HKDF_INFO = 'smgr-backup archive authentication v2';

/** A KEK that may authenticate archives: a group's management group or DW key (from secure storage or a key backup file). */
export interface ArchiveKek {
  keyId: string;
  managementGroupId: string;
  kek: Buffer;
}

/** The MAC key of one group's archives. */
export interface ArchiveAuthKey {
  keyId: string;
  key: Buffer;
}

export function archiveAuthKey(k: ArchiveKek): ArchiveAuthKey {
  const key = Buffer.from(hkdfSync('sha256', k.kek, Buffer.from(k.managementGroupId, 'utf8'), HKDF_INFO, 32));
  return { keyId: k.keyId, key };
}

const mac = (key: Buffer, label: string, bytes: Uint8Array) =>
  createHmac('sha256', key).update(label).update(bytes).digest('hex');

export const headerMac = (a: ArchiveAuthKey, headerJson: Uint8Array) => mac(a.key, HEADER_LABEL, headerJson);
export const manifestMac = (a: ArchiveAuthKey, manifestJson: Uint8Array) =>
  mac(a.key, MANIFEST_LABEL, manifestJson);

/** The SHA-256 of the age header an archive travels in (hex). */
export const ageHeaderDigest = (ageHeader: Uint8Array) =>
  createHash('sha256').update(ageHeader).digest('hex');

/** Constant-time comparison of two hex MACs. */
export function macMatches(expected: string, found: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(found, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The writer's MAC key: the group's KEK (management group, or the DW's: FORMAT §2.12) from secure
 * storage, checked against its key record first (a wrong KEK would write
 * archives that never authenticate).
 */
export async function writerAuthKey(
  db: Queryable,
  storage: SecureStorage,
  group: { id: string; name: string },
  part: 'management-group' | 'data-warehouse' = 'management-group',
): Promise<ArchiveAuthKey> {
  const record = (await listKeyRecords(db)).find((k) => k.part === part);
  if (!record) throw new SmgrError('KEY_RECORD_MISSING', { keyId: part });
  const stored = storage.getKey(record.keyId);
  if (!stored)
    throw new SmgrError('KEY_MISSING', { keyId: record.keyId, group: group.name, path: storage.dir });
  if (!kekMatches(stored.kek, record.keyId, record.verifier))
    throw new SmgrError('KEY_MISMATCH', { keyId: record.keyId });
  return archiveAuthKey({ keyId: record.keyId, managementGroupId: group.id, kek: stored.kek });
}

const DW_IDENTITY_INFO = 'smgr-backup data-warehouse identity v1';

/**
 * FORMAT §2.12: the age X25519 identity (AGE-SECRET-KEY-1…) of a data
 * warehouse's archives, derived from its KEK and group id, so the DW key
 * backup file opens them. Answers the bech32 string; it never leaves memory.
 */
export function dwBackupIdentity(k: ArchiveKek): string {
  const secret = Buffer.from(
    hkdfSync('sha256', k.kek, Buffer.from(k.managementGroupId, 'utf8'), DW_IDENTITY_INFO, 32),
  );
  return bech32.encode('AGE-SECRET-KEY-', bech32.toWords(secret), false).toUpperCase();
}
