/**
 * What the portal derives from its KEK (HKDF-SHA256, node:crypto; the KEK
 * itself never leaves secure storage):
 *  - the API credential: proves to the management server that this portal
 *    holds the key (setup --existing, serve's check, heartbeat). The server
 *    keeps only its SHA-256 (portal_keys), so a database reader cannot act as
 *    a portal;
 *  - the session key: seals the session cookies (session-cookie.ts), so
 *    every portal holding the same KEK reads the same cookies.
 * Plus the key record every key has (verifier, wrapped DEK: key-hierarchy.ts).
 */
import { hkdfSync } from 'node:crypto';
import { computeVerifier, newDek, wrapDek } from '../keys/key-hierarchy.js';

const derive = (kek: Buffer, keyId: string, purpose: string): Buffer =>
  Buffer.from(hkdfSync('sha256', kek, Buffer.from(keyId), Buffer.from(`smgr portal ${purpose} v1`), 32));

export const portalCredential = (kek: Buffer, keyId: string): Buffer => derive(kek, keyId, 'api credential');

export const sessionKey = (kek: Buffer, keyId: string): Buffer => derive(kek, keyId, 'session cookie');

export { credentialHash } from '../keys/credential-hash.js';

/** The portal key's record as the management server stores it (base64 for JSON). */
export function portalKeyRecord(kek: Buffer, keyId: string) {
  return {
    keyId,
    verifier: computeVerifier(kek, keyId).toString('base64'),
    wrappedDek: wrapDek(kek, keyId, newDek()).toString('base64'),
    credential: portalCredential(kek, keyId).toString('base64'),
  };
}
