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
import { normalizeComputerName } from '../computer/computer-name.js';
import { SmgrError } from '../errors/smgr-error.js';
import { validateGroupName, validatePassword } from '../schema/validate-names.js';
import type { KeyPart } from '../secure-storage/secure-storage.js';

export const KEY_BACKUP_FORMAT = 'smgr-key-backup';
export const KEY_BACKUP_VERSION = 1;
/** Readers refuse larger files: a key backup is a few hundred bytes per key. */
export const KEY_BACKUP_MAX_BYTES = 1024 * 1024;
/** The scrypt work factor writers use (age's default). */
export const KEY_BACKUP_SCRYPT_LOG_N = 18;
/** The highest work factor readers accept (the bound of the age-encryption package). */
const MAX_LOG_N = 20;

export interface BackedUpKey {
  keyId: string;
  part: KeyPart;
  /** The 256-bit key-encryption key. */
  kek: Buffer;
  createdAt: string;
}

export interface KeyBackupContent {
  createdAt: string;
  computerName: string;
  managementGroup: { id: string; name: string };
  keys: BackedUpKey[];
  /** Reserved for the database-backup identity (AGE-SECRET-KEY-1...); null until then. */
  backupIdentity: string | null;
}

const AGE_MAGIC = Buffer.from('age-encryption.org/v1\n');
const AGE_ARMOR = Buffer.from('-----BEGIN AGE ENCRYPTED FILE-----');
const SCRYPT_LABEL = Buffer.from('age-encryption.org/v1/scrypt');

const PART_PREFIX: Record<KeyPart, string> = {
  'management-group': 'mg',
  'data-warehouse': 'dw',
  portal: 'portal',
};
const KEY_ID = /^(mg|dw|portal)-[0-9a-f]{16}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const KEK_BASE64 = /^[A-Za-z0-9+/]{43}=$/;
const AGE_IDENTITY = /^AGE-SECRET-KEY-1[0-9A-Z]+$/;

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
  return fromDocument(document as unknown as KeyBackupDocument);
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
  return syncDocumentProblem(toDocument(content));
}

// --- the JSON document

// A type alias, not an interface, so that it is assignable to Record<string, unknown>.
type KeyBackupDocument = {
  format: typeof KEY_BACKUP_FORMAT;
  version: typeof KEY_BACKUP_VERSION;
  createdAt: string;
  computerName: string;
  managementGroup: { id: string; name: string };
  keys: { keyId: string; part: KeyPart; kek: string; createdAt: string }[];
  backupIdentity: string | null;
};

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
    })),
    backupIdentity: d.backupIdentity ?? null,
  };
}

async function documentProblem(d: Record<string, unknown>): Promise<string | undefined> {
  const problem = syncDocumentProblem(d);
  if (problem) return problem;
  const identity = d.backupIdentity;
  if (typeof identity === 'string') {
    try {
      await identityToRecipient(identity);
    } catch {
      return 'backupIdentity is not a valid age X25519 identity';
    }
  }
  return undefined;
}

/** Names the first member that breaks FORMAT §1.3, or undefined. */
function syncDocumentProblem(d: Record<string, unknown>): string | undefined {
  if (!isIsoTime(d.createdAt)) return 'createdAt is not an ISO 8601 time';
  if (typeof d.computerName !== 'string' || !isComputerName(d.computerName)) {
    return 'computerName is not a valid computer name';
  }
  const group = d.managementGroup;
  if (!isObject(group)) return 'managementGroup is missing';
  if (typeof group.id !== 'string' || !UUID.test(group.id)) return 'managementGroup.id is not a UUID';
  if (typeof group.name !== 'string' || !isGroupName(group.name)) {
    return 'managementGroup.name is not a valid group name';
  }
  if (!Array.isArray(d.keys) || d.keys.length === 0) return 'keys is missing or empty';
  const ids = new Set<string>();
  const parts = new Set<string>();
  for (const [i, k] of d.keys.entries()) {
    const at = `keys[${i}]`;
    if (!isObject(k)) return `${at} is not an object`;
    if (typeof k.part !== 'string' || !Object.hasOwn(PART_PREFIX, k.part))
      return `${at}.part is not a known part`;
    if (typeof k.keyId !== 'string' || !KEY_ID.test(k.keyId)) return `${at}.keyId is not a key id`;
    if (!k.keyId.startsWith(`${PART_PREFIX[k.part as KeyPart]}-`))
      return `${at}.keyId does not match its part`;
    if (ids.has(k.keyId)) return `${at}.keyId appears twice`;
    if (parts.has(k.part)) return `${at}.part appears twice`;
    ids.add(k.keyId);
    parts.add(k.part);
    if (typeof k.kek !== 'string' || !isKek(k.kek)) return `${at}.kek is not base64 of 32 bytes`;
    if (!isIsoTime(k.createdAt)) return `${at}.createdAt is not an ISO 8601 time`;
  }
  const identity = d.backupIdentity;
  if (
    identity !== undefined &&
    identity !== null &&
    (typeof identity !== 'string' || !AGE_IDENTITY.test(identity))
  ) {
    return 'backupIdentity is not an age identity';
  }
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isIsoTime(v: unknown): boolean {
  return typeof v === 'string' && ISO_TIME.test(v) && Number.isFinite(Date.parse(v));
}

function isKek(s: string): boolean {
  return KEK_BASE64.test(s) && Buffer.from(s, 'base64').toString('base64') === s;
}

function isComputerName(s: string): boolean {
  try {
    return normalizeComputerName(s) === s;
  } catch {
    return false;
  }
}

function isGroupName(s: string): boolean {
  try {
    validateGroupName(s);
    return true;
  } catch {
    return false;
  }
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
