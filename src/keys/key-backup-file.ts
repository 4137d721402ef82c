/**
 * The key backup file, as specified in docs/FORMAT.md §1: a binary age v1
 * file with exactly one scrypt (passphrase) stanza, whose plaintext is the
 * `smgr-key-backup` JSON document, version 1.
 *
 * encodeKeyBackup() writes it with the age-encryption package (passphrase,
 * work factor 18). decodeKeyBackup() reads it with the same package, through
 * its public Identity interface: PassphraseIdentity unwraps the scrypt stanza
 * itself (node:crypto scrypt and ChaCha20-Poly1305, as the age spec says) so
 * that the reader knows which of the checks of FORMAT §1.4 failed, without
 * depending on the library's error messages. Each failure kind has its own
 * code; no message carries the passphrase or a key.
 */
import { createDecipheriv, scrypt as scryptCallback } from 'node:crypto';
import fs from 'node:fs';
import { Decrypter, Encrypter, type Identity, identityToRecipient, type Stanza } from 'age-encryption';
import { SmgrError } from '../errors/smgr-error.js';
import { validatePassword } from '../schema/validate-names.js';
import {
  KEY_BACKUP_FORMAT,
  KEY_BACKUP_VERSION,
  type KeyBackupDocument,
  keyBackupDocumentProblem,
} from './key-backup-document.js';

export { KEY_BACKUP_FORMAT, KEY_BACKUP_VERSION } from './key-backup-document.js';
/** Readers refuse larger files: a key backup is a few hundred bytes per key. */
export const KEY_BACKUP_MAX_BYTES = 1024 * 1024;
/** The scrypt work factor writers use (age's default). */
export const KEY_BACKUP_SCRYPT_LOG_N = 18;
/** The highest work factor readers accept (the bound of the age-encryption package). */
const MAX_LOG_N = 20;

type DocumentKey = KeyBackupDocument['keys'][number];

/** A key as the file holds it, with the KEK decoded. */
export type BackedUpKey = Omit<DocumentKey, 'kek'> & {
  /** The 256-bit key-encryption key. */
  kek: Buffer;
};

/** The decoded content of a key backup file: the document less its format and version, KEKs as bytes. */
export type KeyBackupContent = Omit<KeyBackupDocument, 'format' | 'version' | 'keys' | 'backupIdentity'> & {
  keys: BackedUpKey[];
  /** The database-backup identity (AGE-SECRET-KEY-1...), null when the computer held none. */
  backupIdentity: string | null;
};

const AGE_MAGIC = Buffer.from('age-encryption.org/v1\n');
const AGE_ARMOR = Buffer.from('-----BEGIN AGE ENCRYPTED FILE-----');
const SCRYPT_LABEL = Buffer.from('age-encryption.org/v1/scrypt');

/**
 * Encrypts `content` under `passphrase` (at least 8 characters). The work
 * factor option exists for tests only: files for users take the default, 18.
 */
export async function encodeKeyBackup(
  content: KeyBackupContent,
  passphrase: string,
  options: { workFactor?: number } = {},
): Promise<Uint8Array> {
  validatePassword(passphrase);
  const document = toDocument(content);
  const problem = await documentProblem(document);
  if (problem) throw new Error(`cannot write a key backup: ${problem}`);
  const encrypter = new Encrypter();
  encrypter.setPassphrase(passphrase);
  encrypter.setScryptWorkFactor(options.workFactor ?? KEY_BACKUP_SCRYPT_LOG_N);
  return encrypter.encrypt(`${JSON.stringify(document, null, 2)}\n`);
}

/** Decrypts and checks a key backup file, in the order of FORMAT §1.4. */
export async function decodeKeyBackup(
  bytes: Uint8Array,
  passphrase: string,
  options: { path?: string } = {},
): Promise<KeyBackupContent> {
  const path = options.path ?? '(unnamed)';
  const notKeyBackup = (reason: string) => new SmgrError('KEY_BACKUP_NOT_A_KEY_BACKUP', { path, reason });
  const damaged = (reason: string, cause?: unknown) =>
    new SmgrError('KEY_BACKUP_DAMAGED', { path, reason }, { cause });

  // 1. an age file, binary, with one scrypt stanza
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length > KEY_BACKUP_MAX_BYTES) throw notKeyBackup('it is larger than 1 MiB');
  if (!startsWith(buf, AGE_MAGIC)) {
    throw notKeyBackup(
      startsWith(buf, AGE_ARMOR)
        ? 'it is an ASCII-armored age file, and smgr writes binary ones'
        : 'it is not an age file',
    );
  }
  // 2-3. the passphrase unwraps the file key; the header MAC and the payload authenticate
  const identity = new PassphraseIdentity(passphrase);
  const decrypter = new Decrypter();
  decrypter.addIdentity(identity);
  let plaintext: Uint8Array;
  try {
    plaintext = await decrypter.decrypt(buf);
  } catch (e) {
    const outcome = identity.outcome;
    switch (outcome.kind) {
      case 'not-passphrase':
        throw notKeyBackup(outcome.reason);
      case 'malformed':
        throw damaged(outcome.reason, e);
      case 'wrong-passphrase':
        throw new SmgrError('KEY_BACKUP_WRONG_PASSPHRASE', { path });
      case 'unwrapped':
        throw damaged('it is truncated, or was altered after it was written', e);
      case 'not-tried':
        throw damaged('its age header is malformed', e);
    }
  }
  // 4. smgr-key-backup JSON
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext));
  } catch {
    throw notKeyBackup('its content is not JSON');
  }
  if (!isObject(document) || document.format !== KEY_BACKUP_FORMAT) {
    throw notKeyBackup(`its content is not of format "${KEY_BACKUP_FORMAT}"`);
  }
  // 5. the version, before any other member
  const version = document.version;
  if (typeof version !== 'number' || !Number.isSafeInteger(version)) {
    throw damaged('version is missing or not an integer');
  }
  if (version !== KEY_BACKUP_VERSION) {
    throw new SmgrError('KEY_BACKUP_VERSION', { path, found: version, known: KEY_BACKUP_VERSION });
  }
  // 6. every member
  const problem = await documentProblem(document);
  if (problem) throw damaged(problem);
  return fromDocument(document as KeyBackupDocument);
}

/** Reads a key backup file from disk and decodes it (the path goes into every message). */
export async function readKeyBackup(file: string, passphrase: string): Promise<KeyBackupContent> {
  let bytes: Buffer;
  try {
    const st = fs.statSync(file);
    if (!st.isFile())
      throw new SmgrError('FILE_UNREADABLE', { path: file, reason: 'it is not a regular file' });
    if (st.size > KEY_BACKUP_MAX_BYTES) {
      throw new SmgrError('KEY_BACKUP_NOT_A_KEY_BACKUP', { path: file, reason: 'it is larger than 1 MiB' });
    }
    bytes = fs.readFileSync(file);
  } catch (e) {
    if (e instanceof SmgrError) throw e;
    const reason = (e as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new SmgrError('FILE_UNREADABLE', { path: file, reason }, { cause: e });
  }
  return decodeKeyBackup(bytes, passphrase, { path: file });
}

/**
 * The problem with content about to be restored, or undefined: the checks of
 * FORMAT §1.3 on everything but the backup identity (whose check is async).
 */
export function keyBackupContentProblem(content: KeyBackupContent): string | undefined {
  return keyBackupDocumentProblem(toDocument(content));
}

// --- the JSON document (key-backup-document.ts)

function toDocument(c: KeyBackupContent): KeyBackupDocument {
  return {
    format: KEY_BACKUP_FORMAT,
    version: KEY_BACKUP_VERSION,
    createdAt: c.createdAt,
    computerName: c.computerName,
    managementGroup: { id: c.managementGroup.id, name: c.managementGroup.name },
    keys: c.keys.map((k) => ({
      keyId: k.keyId,
      part: k.part,
      kek: Buffer.isBuffer(k.kek) ? k.kek.toString('base64') : '',
      createdAt: k.createdAt,
      ...(k.managementGroup
        ? { managementGroup: { id: k.managementGroup.id, name: k.managementGroup.name } }
        : {}),
    })),
    backupIdentity: c.backupIdentity ?? null,
  };
}

function fromDocument(d: KeyBackupDocument): KeyBackupContent {
  return {
    createdAt: d.createdAt,
    computerName: d.computerName,
    managementGroup: { id: d.managementGroup.id, name: d.managementGroup.name },
    keys: d.keys.map((k) => ({
      keyId: k.keyId,
      part: k.part,
      kek: Buffer.from(k.kek, 'base64'),
      createdAt: k.createdAt,
      ...(k.managementGroup
        ? { managementGroup: { id: k.managementGroup.id, name: k.managementGroup.name } }
        : {}),
    })),
    backupIdentity: d.backupIdentity ?? null,
  };
}

/** The schema's problem, then the one check it cannot make: the identity is a real X25519 key. */
async function documentProblem(d: unknown): Promise<string | undefined> {
  const problem = keyBackupDocumentProblem(d);
  if (problem) return problem;
  const identity = (d as KeyBackupDocument).backupIdentity;
  if (typeof identity === 'string') {
    try {
      await identityToRecipient(identity);
    } catch {
      return 'backupIdentity is not a valid age X25519 identity';
    }
  }
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function startsWith(buf: Buffer, prefix: Buffer): boolean {
  return buf.length >= prefix.length && buf.subarray(0, prefix.length).equals(prefix);
}

// --- the scrypt stanza (https://age-encryption.org/v1, "The scrypt recipient type")

type Outcome =
  | { kind: 'not-tried' }
  | { kind: 'not-passphrase'; reason: string }
  | { kind: 'malformed'; reason: string }
  | { kind: 'wrong-passphrase' }
  | { kind: 'unwrapped' };

/**
 * An age Identity for a passphrase that records what happened to the scrypt
 * stanza, so a wrong passphrase is told apart from a malformed header and from
 * a file that fails later (header MAC, payload).
 */
class PassphraseIdentity implements Identity {
  outcome: Outcome = { kind: 'not-tried' };

  constructor(private readonly passphrase: string) {}

  async unwrapFileKey(stanzas: Stanza[]): Promise<Uint8Array | null> {
    const stanza = stanzas[0];
    if (stanzas.length !== 1 || stanza?.args[0] !== 'scrypt') {
      const scrypt = stanzas.some((s) => s.args[0] === 'scrypt');
      this.outcome = {
        kind: 'not-passphrase',
        reason: scrypt
          ? 'its age header has recipients besides the passphrase'
          : 'it is an age file encrypted to a key, not with a passphrase',
      };
      return null;
    }
    const malformed = (reason: string) => {
      this.outcome = { kind: 'malformed', reason };
      return null;
    };
    const [, saltText, logNText] = stanza.args;
    if (stanza.args.length !== 3 || saltText === undefined || logNText === undefined) {
      return malformed('its scrypt stanza does not have a salt and a work factor');
    }
    const salt = Buffer.from(saltText, 'base64');
    if (!/^[A-Za-z0-9+/]{22}$/.test(saltText) || salt.toString('base64') !== `${saltText}==`) {
      return malformed('its scrypt salt is not 16 bytes of base64');
    }
    if (!/^[1-9][0-9]?$/.test(logNText) || Number(logNText) > MAX_LOG_N) {
      return malformed(`its scrypt work factor is not between 1 and ${MAX_LOG_N}`);
    }
    if (stanza.body.length !== 32) return malformed('its scrypt stanza body is not 32 bytes');
    const N = 2 ** Number(logNText);
    const key = await scrypt(this.passphrase, Buffer.concat([SCRYPT_LABEL, salt]), N);
    try {
      const decipher = createDecipheriv('chacha20-poly1305', key, Buffer.alloc(12), { authTagLength: 16 });
      decipher.setAuthTag(stanza.body.subarray(16));
      const fileKey = Buffer.concat([decipher.update(stanza.body.subarray(0, 16)), decipher.final()]);
      this.outcome = { kind: 'unwrapped' };
      return fileKey;
    } catch {
      this.outcome = { kind: 'wrong-passphrase' };
      return null;
    } finally {
      key.fill(0);
    }
  }
}

function scrypt(passphrase: string, salt: Buffer, N: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // r = 8: memory is 128 * N * r bytes; allow twice that.
    scryptCallback(passphrase, salt, 32, { N, r: 8, p: 1, maxmem: 256 * N * 8 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}
