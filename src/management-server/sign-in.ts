/**
 * Checking a password: sign-in (POST /api/v1/sessions) and the current
 * password of a user changing their own.
 *
 * Guarantees: every attempt is rate-limited per user name and per address
 * (sign-in-throttle.ts) before the password is checked; an unknown user, a
 * disabled user and a wrong password take the same path (one throttle
 * transaction, one user query, one scrypt verification against the stored
 * hash or a dummy hash of the same cost, one audit row) and get the same
 * answer, so neither the answer nor its timing tells which names exist.
 * Failures are audited with the address and the reason (the audit log is
 * for administrators); passwords never are.
 */
import { randomBytes } from 'node:crypto';
import { audit } from '../audit/audit.js';
import type { Database } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { hashPassword, verifyPassword } from '../keys/password-hash.js';
import { RetryLaterError } from './retry-later-error.js';
import { createSession, type Session } from './session-store.js';
import {
  type AttemptKeys,
  countAttempt,
  forgetAttempt,
  retryAfterSeconds,
  type SignInLimits,
} from './sign-in-throttle.js';
import { loginUser, type User } from './user-store.js';

let dummyHash: Promise<string> | undefined;
/** A hash of a random password with the same cost as real ones, verified against when the user does not exist. */
const getDummyHash = (): Promise<string> => {
  dummyHash ??= hashPassword(randomBytes(24).toString('base64url'));
  return dummyHash;
};

export type FailureReason = 'unknown-user' | 'disabled' | 'wrong-password';

/**
 * Checks `password` for `keys.username` under the rate limit. Answers the
 * user, or throws RetryLaterError (blocked) or `refusal` (any failure).
 */
export async function checkPassword(
  db: Database,
  keys: AttemptKeys,
  password: string,
  limits: SignInLimits,
  refusal: () => SmgrError,
  action: string,
): Promise<User> {
  const attempt = await countAttempt(db, keys, limits);
  if (!attempt.counted) throw new RetryLaterError(await retryAfterSeconds(db, keys));
  const found = await loginUser(db, keys.username);
  const ok = await verifyPassword(password, found?.passwordHash ?? (await getDummyHash()));
  const reason: FailureReason | undefined = !found
    ? 'unknown-user'
    : found.user.disabled
      ? 'disabled'
      : ok
        ? undefined
        : 'wrong-password';
  if (reason) {
    await audit(db, 'anonymous', `${action}-failed`, keys.username, { address: keys.address, reason });
    for (const scope of attempt.blockedNow) {
      await audit(db, 'anonymous', `${action}-blocked`, keys.username, { address: keys.address, scope });
    }
    throw refusal();
  }
  await forgetAttempt(db, keys, limits);
  return found!.user;
}

/** Sign-in: a right password gets a new token (12 h). */
export async function signIn(
  db: Database,
  keys: AttemptKeys,
  password: string,
  limits: SignInLimits,
): Promise<{ user: User; session: Session }> {
  const user = await checkPassword(
    db,
    keys,
    password,
    limits,
    () => new SmgrError('UNAUTHORIZED'),
    'session.sign-in',
  );
  const session = await createSession(db, user.id);
  await audit(db, user.username, 'session.signed-in', user.username, { address: keys.address });
  return { user, session };
}
