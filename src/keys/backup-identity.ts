/**
 * A group's backup key pair: an age X25519 identity (`AGE-SECRET-KEY-1…`)
 * and its recipient (`age1…`), made by the age-encryption library. The
 * identity goes to secure storage and key backup files; the recipient to the
 * ServiceManager database, so servers write archives they cannot read. Here,
 * beside the other keys, so that setup (src/management-group) does not
 * depend on the archive code (src/backup). Creates nothing on disk.
 */
import { generateX25519Identity, identityToRecipient } from 'age-encryption';

export async function newBackupIdentity(): Promise<{ identity: string; recipient: string }> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}
