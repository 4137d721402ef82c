/**
 * Sealing of docs/MANAGEMENT-PACKS.md §5: an Ed25519 signature (node:crypto)
 * over the RFC 8785 canonical form (`canonicalize`) of the pack without its
 * `seal`, the public key embedded as SubjectPublicKeyInfo DER in base64, and
 * the key's fingerprint (sha256: and the hex SHA-256 of that DER). Pure
 * functions; keys are read and written by the callers.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
} from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Pack, PackSeal } from './pack-schema.js';

/** The bytes that are signed: the canonical JSON of the pack without `seal`. */
export function signedBytes(pack: Pack): Buffer {
  const { seal: _seal, ...rest } = pack;
  return Buffer.from(canonicalize(rest) ?? '', 'utf8');
}

/** A new Ed25519 private key, PKCS#8 PEM. */
export function newSealingKey(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** The pack with its seal made by `privateKeyPem` (a seal it had is replaced). */
export function sealPack(pack: Pack, privateKeyPem: string): Pack {
  const key = createPrivateKey(privateKeyPem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 private key');
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const signature = sign(null, signedBytes(pack), key);
  const { seal: _old, ...rest } = pack;
  return {
    ...rest,
    seal: {
      algorithm: 'ed25519',
      publicKey: spki.toString('base64'),
      signature: signature.toString('base64'),
    },
  };
}

export function fingerprintOf(publicKeyBase64: string): string {
  return `sha256:${createHash('sha256').update(Buffer.from(publicKeyBase64, 'base64')).digest('hex')}`;
}

/** The fingerprint of a public key PEM (the release key file). */
export function fingerprintOfPem(pem: string): string {
  const der = createPublicKey(pem).export({ type: 'spki', format: 'der' });
  return fingerprintOf(der.toString('base64'));
}

/** True when the seal's signature verifies over the pack with the seal's own key. */
export function sealVerifies(pack: Pack, seal: PackSeal): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(seal.publicKey, 'base64'), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ed25519') return false;
    return verify(null, signedBytes(pack), key, Buffer.from(seal.signature, 'base64'));
  } catch {
    return false;
  }
}
