/**
 * age X25519 recipients (`age1…`) and identities (`AGE-SECRET-KEY-1…`), as in
 * https://age-encryption.org/v1, "The X25519 recipient type" (C2SP age spec):
 * parsing the bech32 strings, and wrapping / unwrapping a 16-byte file key
 * with Node's X25519, HKDF-SHA-256 and ChaCha20-Poly1305. Helper of
 * age-stream.ts. Errors name a key by its position, never by its secret.
 *
 * Public keys are imported as JWK {kty: 'OKP', crv: 'X25519', x}. A private
 * JWK also needs x, so private scalars are imported as PKCS#8 (the fixed
 * RFC 8410 prefix plus the 32 bytes) and Node derives the public key.
 */
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { bech32 } from '@scure/base';
import { identityToRecipient } from 'age-encryption';
import { AgeFormatError, base64NoPad, decodeBase64NoPad, hkdf, type Stanza } from './age-header.js';

export interface RecipientKey {
  publicKey: KeyObject;
  raw: Buffer;
}

export interface IdentityKey {
  privateKey: KeyObject;
  publicRaw: Buffer;
}

const X25519_INFO = 'age-encryption.org/v1/X25519';
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const ZERO_NONCE = Buffer.alloc(12);

function bech32Bytes(s: string, prefix: string): Buffer | null {
  try {
    const decoded = bech32.decodeToBytes(s);
    if (decoded.prefix.toLowerCase() !== prefix || decoded.bytes.length !== 32) return null;
    return Buffer.from(decoded.bytes);
  } catch {
    return null;
  }
}

const publicKeyOf = (raw: Buffer): KeyObject =>
  createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw.toString('base64url') }, format: 'jwk' });

function rawPublic(key: KeyObject): Buffer {
  const { x } = key.export({ format: 'jwk' });
  if (typeof x !== 'string') throw new Error('an X25519 public key exported no x');
  return Buffer.from(x, 'base64url');
}

/** The 32-byte public key of an age X25519 recipient, or null. */
function recipientBytes(s: unknown): Buffer | null {
  return typeof s === 'string' && /^age1/i.test(s) ? bech32Bytes(s, 'age') : null;
}

/** True if `s` is an age X25519 recipient (`age1…`). */
export function isRecipient(s: string): boolean {
  return recipientBytes(s) !== null;
}

function badRecipient(s: unknown, position: number): Error {
  const which = `recipient ${position}`;
  if (typeof s === 'string' && /^age-secret-key-/i.test(s)) {
    return new Error(`${which} is an age secret key, not a recipient: pass its public key (age1…)`);
  }
  if (typeof s === 'string' && /^age1[0-9a-z]+$/i.test(s)) {
    const shown = s.length > 70 ? `${s.slice(0, 16)}…` : s;
    return new Error(`${which} (${shown}) is not an age X25519 recipient (age1… of 62 characters)`);
  }
  const what = typeof s === 'string' ? `a string of ${s.length} characters` : typeof s;
  return new Error(`${which} (${what}) is not an age X25519 recipient (age1…)`);
}

export function parseRecipients(recipients: readonly string[]): RecipientKey[] {
  if (!Array.isArray(recipients) || recipients.length === 0)
    throw new Error('age encryption needs a recipient');
  return recipients.map((s, i) => {
    const raw = recipientBytes(s);
    if (!raw) throw badRecipient(s, i + 1);
    return { publicKey: publicKeyOf(raw), raw };
  });
}

export function parseIdentities(identities: readonly string[]): IdentityKey[] {
  if (!Array.isArray(identities) || identities.length === 0)
    throw new Error('age decryption needs an identity');
  return identities.map((s, i) => {
    const scalar =
      typeof s === 'string' && /^AGE-SECRET-KEY-1/i.test(s) ? bech32Bytes(s, 'age-secret-key-') : null;
    if (!scalar) throw new Error(`identity ${i + 1} is not an age X25519 identity (AGE-SECRET-KEY-1…)`);
    const privateKey = createPrivateKey({
      key: Buffer.concat([PKCS8_X25519_PREFIX, scalar]),
      format: 'der',
      type: 'pkcs8',
    });
    scalar.fill(0);
    return { privateKey, publicRaw: rawPublic(createPublicKey(privateKey)) };
  });
}

/** X25519, refusing the all-zero shared secret of a low-order point; null if refused. */
function sharedSecret(privateKey: KeyObject, publicKey: KeyObject): Buffer | null {
  try {
    const shared = diffieHellman({ privateKey, publicKey });
    return shared.some((b) => b !== 0) ? shared : null;
  } catch {
    return null; // OpenSSL refuses the all-zero result itself
  }
}

/** The X25519 stanza that wraps `fileKey` for `recipient`, under a fresh ephemeral key. */
export function wrapFileKey(fileKey: Buffer, recipient: RecipientKey, position: number): Stanza {
  const ephemeral = generateKeyPairSync('x25519');
  const share = rawPublic(ephemeral.publicKey);
  const shared = sharedSecret(ephemeral.privateKey, recipient.publicKey);
  if (!shared) throw new Error(`recipient ${position} is a low-order X25519 point, which age refuses`);
  const key = hkdf(shared, Buffer.concat([share, recipient.raw]), X25519_INFO);
  shared.fill(0);
  const cipher = createCipheriv('chacha20-poly1305', key, ZERO_NONCE, { authTagLength: 16 });
  const body = Buffer.concat([cipher.update(fileKey), cipher.final(), cipher.getAuthTag()]);
  key.fill(0);
  return { args: ['X25519', base64NoPad(share)], body };
}

/**
 * The file key from the first X25519 stanza that one of the identities
 * opens. Other stanza types are skipped; a malformed X25519 stanza is a
 * 'header' error; none opening is 'no-identity'.
 */
export function unwrapFileKey(stanzas: Stanza[], identities: IdentityKey[]): Buffer {
  for (const stanza of stanzas) {
    if (stanza.args[0] !== 'X25519') continue;
    const share = stanza.args.length === 2 ? decodeBase64NoPad(stanza.args[1] ?? '') : null;
    if (share?.length !== 32 || stanza.body.length !== 32) {
      throw new AgeFormatError('header', 'the age header is malformed: an X25519 stanza has the wrong shape');
    }
    const sharePublic = publicKeyOf(share);
    for (const identity of identities) {
      const shared = sharedSecret(identity.privateKey, sharePublic);
      if (!shared) {
        throw new AgeFormatError(
          'header',
          'the age header is malformed: an X25519 stanza has a low-order share',
        );
      }
      const key = hkdf(shared, Buffer.concat([share, identity.publicRaw]), X25519_INFO);
      shared.fill(0);
      const decipher = createDecipheriv('chacha20-poly1305', key, ZERO_NONCE, { authTagLength: 16 });
      decipher.setAuthTag(stanza.body.subarray(16));
      const fileKey = decipher.update(stanza.body.subarray(0, 16));
      try {
        decipher.final();
        return fileKey;
      } catch {
        fileKey.fill(0); // not this identity's stanza
      } finally {
        key.fill(0);
      }
    }
  }
  const types = [...new Set(stanzas.map((s) => (s.args[0] ?? '').slice(0, 24)))].slice(0, 6);
  throw new AgeFormatError(
    'no-identity',
    `no identity given opens this age file: it was encrypted to other keys (its stanzas: ${types.join(', ')})`,
  );
}

/**
 * A new age X25519 identity and its recipient. (age-encryption's
 * generateIdentity() may one day return a post-quantum identity, which these
 * streams do not read, so this asks for X25519 explicitly.)
 */
export { newBackupIdentity } from '../keys/backup-identity.js';

/** The recipient (`age1…`) of an age X25519 identity; throws, without echoing it, if it is not one. */
export async function recipientOf(identity: string): Promise<string> {
  parseIdentities([identity]);
  return identityToRecipient(identity);
}
