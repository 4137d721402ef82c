/**
 * The Self-Service Portals of a management group in ServiceManager: their
 * key records (key_records, part 'portal', and portal_keys with the hash of
 * the API credential derived from the key) and their registrations
 * (computers, part 'portal'). One transaction per change; a refusal writes
 * nothing. Never key material in clear: the verifier, the wrapped DEK and a
 * credential hash only.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { credentialHash } from '../keys/credential-hash.js';
import { getKeyRecord, listKeyRecords } from '../keys/key-records.js';
import { getRegistration, listRegistrations, registerComputer } from '../management-group/registration.js';
import type { DoctorCheck } from '../recovery/doctor-check.js';

export interface PortalKeyInfo {
  keyId: string;
  createdAt: string;
  lastBackupAt: string | null;
}

export interface PortalComputer {
  computerName: string;
  alive: boolean;
  installedAt: string;
  lastHeartbeat: string | null;
  stoppedAt: string | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export async function listPortalKeys(db: Queryable): Promise<PortalKeyInfo[]> {
  return (await listKeyRecords(db))
    .filter((k) => k.part === 'portal')
    .map((k) => ({ keyId: k.keyId, createdAt: iso(k.createdAt)!, lastBackupAt: iso(k.lastBackupAt) }));
}

export async function listPortalComputers(db: Queryable): Promise<PortalComputer[]> {
  return (await listRegistrations(db))
    .filter((r) => r.part === 'portal')
    .map((r) => ({
      computerName: r.computerName,
      alive: r.alive,
      installedAt: iso(r.installedAt)!,
      lastHeartbeat: iso(r.lastHeartbeat),
      stoppedAt: iso(r.stoppedAt),
    }));
}

export interface PortalSetupRequest {
  computerName: string;
  keyId: string;
  verifier: Buffer;
  wrappedDek: Buffer;
  credential: Buffer;
  existing: boolean;
  force: boolean;
}

/**
 * Setup of a portal (call in a transaction). New: the group has no portal
 * key yet and the computer no portal registration; the key record and the
 * registration are written. Existing (recovery, or a second portal): the
 * key's record is there and the credential proves the key; the computer is
 * registered, or its registration rebound when it is not alive (or --force).
 */
export async function setUpPortal(
  tx: Queryable,
  group: string,
  r: PortalSetupRequest,
): Promise<{ rebound: boolean }> {
  const reg = await getRegistration(tx, r.computerName, 'portal');
  if (!r.existing) {
    const [key] = await listPortalKeys(tx);
    if (key) throw new SmgrError('PORTAL_KEY_EXISTS', { group, keyId: key.keyId });
    if (reg) throw new SmgrError('PORTAL_ALREADY_REGISTERED', { computer: r.computerName, group });
    await tx.query('INSERT INTO key_records (key_id, part, verifier, wrapped_dek) VALUES ($1, $2, $3, $4)', [
      r.keyId,
      'portal',
      r.verifier,
      r.wrappedDek,
    ]);
    await tx.query('INSERT INTO portal_keys (key_id, credential_hash) VALUES ($1, $2)', [
      r.keyId,
      credentialHash(r.credential),
    ]);
    await registerComputer(tx, r.computerName, 'portal', 'portal');
    return { rebound: false };
  }
  await checkPortalCredential(tx, r.keyId, r.credential);
  if (!reg) {
    await registerComputer(tx, r.computerName, 'portal', 'portal');
    return { rebound: false };
  }
  if (reg.alive && !r.force) {
    throw new SmgrError('PORTAL_NAME_IN_USE', {
      computer: r.computerName,
      heartbeat: iso(reg.lastHeartbeat) ?? 'never',
    });
  }
  await tx.query(
    `UPDATE computers SET installed_at = now(), last_heartbeat = NULL, stopped_at = now()
      WHERE computer_name = $1 AND part = 'portal'`,
    [r.computerName],
  );
  return { rebound: true };
}

/** Throws unless `credential` is the one derived from portal key `keyId` (KEY_RECORD_MISSING, KEY_MISMATCH). */
export async function checkPortalCredential(db: Queryable, keyId: string, credential: Buffer): Promise<void> {
  const record = await getKeyRecord(db, keyId);
  const row = (
    await db.query<{ credential_hash: Buffer }>('SELECT credential_hash FROM portal_keys WHERE key_id = $1', [
      keyId,
    ])
  ).rows[0];
  if (record?.part !== 'portal' || !row) throw new SmgrError('KEY_RECORD_MISSING', { keyId });
  const hash = credentialHash(credential);
  if (!(hash.length === row.credential_hash.length && timingSafeEqual(hash, row.credential_hash))) {
    throw new SmgrError('KEY_MISMATCH', { keyId });
  }
}

/** smgr doctor on a management server: each portal computer, alive (pass) or not running (warn). */
export async function portalComputerChecks(db: Queryable): Promise<DoctorCheck[]> {
  return (await listPortalComputers(db)).map((c) =>
    c.alive
      ? {
          name: `portal ${c.computerName}`,
          state: 'pass',
          detail: `alive, last heartbeat ${c.lastHeartbeat}`,
        }
      : {
          name: `portal ${c.computerName}`,
          state: 'warn',
          detail: `not running, last heartbeat ${c.lastHeartbeat ?? 'never'}`,
          remedy: `Start smgr serve on ${c.computerName}, or ignore a portal taken out of use.`,
        },
  );
}
