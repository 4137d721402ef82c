/**
 * The secret side of Run As accounts. A password is sealed with the
 * management group's data key, bound to run_as_accounts.password_sealed of
 * its own row; a sealed value that does not open (wrong key, altered, or
 * copied from another row) is SECRET_UNREADABLE naming table, column and row,
 * never a match. Comparison hashes both sides to SHA-256 and compares in
 * constant time. Plaintext never leaves this module except to the sealer.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { SmgrError } from '../errors/smgr-error.js';
import type { SealContext, SecretSealer } from '../keys/secret-sealer.js';

/** The one encryption context of a Run As password: its table, column and row. */
export const runAsPasswordContext = (id: string): SealContext => ({
  table: 'run_as_accounts',
  column: 'password_sealed',
  row: id,
});

export function sealRunAsPassword(sealer: SecretSealer, id: string, password: string): Buffer {
  return sealer.seal(password, runAsPasswordContext(id));
}

/** True when `candidate` is the sealed password of row `id`; throws SECRET_UNREADABLE if it does not open. */
export function runAsPasswordMatches(
  sealer: SecretSealer,
  id: string,
  sealed: Buffer,
  candidate: string,
): boolean {
  const ctx = runAsPasswordContext(id);
  let stored: string;
  try {
    stored = sealer.open(sealed, ctx);
  } catch (e) {
    throw new SmgrError('SECRET_UNREADABLE', { ...ctx }, { cause: e });
  }
  const a = createHash('sha256').update(stored, 'utf8').digest();
  const b = createHash('sha256').update(candidate, 'utf8').digest();
  return timingSafeEqual(a, b);
}
