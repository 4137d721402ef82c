/**
 * How a credential derived from a part's key (the portal's proof that it
 * holds its key, docs/FORMAT.md §3) is stored by the management server: its
 * SHA-256, never the credential. Shared by the part that derives it
 * (src/portal) and the server that checks it (src/management-server).
 */
import { createHash } from 'node:crypto';

export const credentialHash = (credential: Buffer): Buffer =>
  createHash('sha256').update(credential).digest();
