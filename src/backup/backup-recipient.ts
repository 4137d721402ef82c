/**
 * The group's backup recipient and identity (docs/FORMAT.md §2.1): an age
 * X25519 key pair per management group. The identity lives in secure storage
 * (and in key backup files); the recipient in the database, where every
 * management server of the group finds it to encrypt archives.
 *
 * ensureBackupRecipient() is how setup creates it and how an installation
 * made before it existed gets one on upgrade (serve calls it at start). It
 * writes the identity to secure storage before the recipient reaches the
 * database, so a recipient never exists without its identity somewhere.
 */

import type { BackupConfig } from '../config/config-schema.js';
import type { Queryable } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import type { SecureStorage } from '../secure-storage/secure-storage.js';
import { newBackupIdentity, recipientOf } from './age-stream.js';

/** An X25519 key pair (the archive streams read X25519 stanzas only). */
export async function newBackupKeyPair(): Promise<{ identity: string; recipient: string }> {
  return newBackupIdentity();
}

export async function getBackupRecipient(db: Queryable): Promise<string | null> {
  const r = await db.query<{ backup_recipient: string | null }>(
    'SELECT backup_recipient FROM management_group',
  );
  return r.rows[0]?.backup_recipient ?? null;
}

/** Answers the group's recipient, creating the key pair if the group has none yet. */
export async function ensureBackupRecipient(
  db: Queryable,
  storage: SecureStorage,
  groupId: string,
): Promise<string> {
  const existing = await getBackupRecipient(db);
  if (existing) return existing;
  let identity = storage.getBackupIdentity(groupId);
  if (!identity) {
    identity = (await newBackupKeyPair()).identity;
    storage.putBackupIdentity(groupId, identity);
  }
  const recipient = await recipientOf(identity);
  await db.query('UPDATE management_group SET backup_recipient = $1 WHERE backup_recipient IS NULL', [
    recipient,
  ]);
  return (await getBackupRecipient(db)) ?? recipient;
}

/** What an archive of a group needs from config.json: the group's name and the backup settings. */
export interface ArchiveSettings {
  managementGroup: { name: string };
  backup?: BackupConfig;
}

/** Every recipient an archive of this group is encrypted to: the group's, then config's extras. */
export async function archiveRecipients(db: Queryable, config: ArchiveSettings): Promise<string[]> {
  const recipient = await getBackupRecipient(db);
  if (!recipient) throw new SmgrError('BACKUP_NO_RECIPIENT', { group: config.managementGroup.name });
  return [recipient, ...(config.backup?.extraRecipients ?? [])];
}
