/**
 * Creating and checking Run As accounts, for the API (routes/run-as-accounts.ts)
 * and the console's administrator pages alike. The password goes in once,
 * sealed under the group's data key bound to its row, in the same
 * transaction as the row and its audit entry (which never holds the
 * password); it never comes out: checking opens it server-side and compares
 * in constant time (run-as-secrets.ts). A duplicate name is CONFLICT and
 * writes nothing.
 */
import { randomUUID } from 'node:crypto';
import { audit } from '../audit/audit.js';
import type { Database } from '../db/database.js';
import type { SecretSealer } from '../keys/secret-sealer.js';
import { getSealedPassword, insertRunAsAccount, type RunAsAccount } from './run-as-account-store.js';
import { runAsPasswordMatches, sealRunAsPassword } from './run-as-secrets.js';

export interface NewRunAsCredentials {
  name: string;
  username: string;
  password: string;
}

export async function createRunAsAccount(
  db: Database,
  sealer: SecretSealer,
  a: NewRunAsCredentials,
  actor: string,
): Promise<RunAsAccount> {
  const id = randomUUID();
  const passwordSealed = sealRunAsPassword(sealer, id, a.password);
  return db.transaction(async (tx) => {
    const created = await insertRunAsAccount(tx, {
      id,
      name: a.name,
      username: a.username,
      passwordSealed,
      keyId: sealer.keyId,
    });
    await audit(tx, actor, 'run-as-account.created', id, {
      name: a.name,
      username: a.username,
      keyId: created.keyId,
    });
    return created;
  });
}

/** Whether `candidate` is the account's password; undefined when there is no such account. */
export async function verifyRunAsPassword(
  db: Database,
  sealer: SecretSealer,
  id: string,
  candidate: string,
  actor: string,
): Promise<{ matches: boolean } | undefined> {
  const stored = await getSealedPassword(db, id);
  if (!stored) return undefined;
  const matches = runAsPasswordMatches(sealer, stored.id, stored.sealed, candidate);
  await audit(db, actor, 'run-as-account.verified', stored.id, { matches });
  return { matches };
}
