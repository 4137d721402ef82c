/**
 * The key hierarchy (ARCHITECTURE §3), on Node's crypto only:
 *  - KEK: 256 random bits, in secure storage only.
 *  - DEK: 256 random bits, stored in the database wrapped by the KEK
 *    (AES-256-GCM, associated data binding it to its key id).
 *  - verifier: HMAC-SHA256 of a fixed label under the KEK; compared in
 *    constant time to tell whether a KEK matches a key record without
 *    revealing anything about either.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const WRAP_VERSION = 1;
const NONCE = 12;
const TAG = 16;

export function newKek(): Buffer {
  return randomBytes(32);
}

export function newDek(): Buffer {
  return randomBytes(32);
}

/** Key ids look like `mg-9f2c41d07a3b5e66`: a part prefix and 64 random bits. */
export function newKeyId(prefix: 'mg' | 'dw' | 'portal'): string {
  return `${prefix}-${randomBytes(8).toString('hex')}`;
}

export function computeVerifier(kek: Buffer, keyId: string): Buffer {
  return createHmac('sha256', kek).update(`smgr key verifier v1\0${keyId}`).digest();
}

export function kekMatches(kek: Buffer, keyId: string, verifier: Buffer): boolean {
  const expected = computeVerifier(kek, keyId);
  return verifier.length === expected.length && timingSafeEqual(expected, verifier);
}

export function wrapDek(kek: Buffer, keyId: string, dek: Buffer): Buffer {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', kek, nonce);
  cipher.setAAD(Buffer.from(`smgr dek v1\0${keyId}`));
  const body = Buffer.concat([cipher.update(dek), cipher.final()]);
  return Buffer.concat([Buffer.from([WRAP_VERSION]), nonce, body, cipher.getAuthTag()]);
}

/** Unwraps a DEK; throws if the KEK is wrong or the record was tampered with. */
export function unwrapDek(kek: Buffer, keyId: string, wrapped: Buffer): Buffer {
  if (wrapped.length !== 1 + NONCE + 32 + TAG || wrapped[0] !== WRAP_VERSION) {
    throw new Error('wrapped key has an unknown layout');
  }
  const decipher = createDecipheriv('aes-256-gcm', kek, wrapped.subarray(1, 1 + NONCE));
  decipher.setAAD(Buffer.from(`smgr dek v1\0${keyId}`));
  decipher.setAuthTag(wrapped.subarray(wrapped.length - TAG));
  return Buffer.concat([
    decipher.update(wrapped.subarray(1 + NONCE, wrapped.length - TAG)),
    decipher.final(),
  ]);
}
