/**
 * Secure storage: the per-computer key store (the "registry" of the original).
 * A directory, mode 0700, owned by the service account; one file per key,
 * mode 0600, written atomically. A store whose permissions are looser than
 * that is refused, naming the path and the chmod that fixes it: a key that
 * others could read is a key that may have leaked.
 *
 * Guarantees: a key file is replaced only through putKey(); a replaced key is
 * kept beside it as `<file>.replaced-<UTC time>`, never deleted. A
 * replacement of several keys (key restore --force) is journalled: the
 * journal (`replacement.journal`, 0600) holds the keys to write and the ids
 * to retire before any of it is done, and is removed after.
 * Crash: leaves the old file or the new one (src/files/atomic-write.ts), plus
 * at worst a `.tmp-*` file that listKeys() ignores; open() removes those of
 * dead processes and finishes a replacement whose journal it finds, so a
 * part never stays without its key.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SmgrError } from '../errors/smgr-error.js';
import { removeStaleTemps, writeFileAtomic } from '../files/atomic-write.js';

export type KeyPart = 'management-group' | 'data-warehouse' | 'portal';

export interface StoredKey {
  keyId: string;
  part: KeyPart;
  managementGroupId: string;
  managementGroupName: string;
  /** The 256-bit key-encryption key. */
  kek: Buffer;
  createdAt: string;
}

const KEY_FILE = /^([A-Za-z0-9-]+)\.key$/;
const IDENTITY_FILE = /^backup-[0-9a-f-]{36}\.identity$/;
const FORMAT = 1;
const JOURNAL = 'replacement.journal';

/** What a journalled replacement does (key restore --force): write these keys, retire those ids. */
export interface KeyReplacement {
  write: StoredKey[];
  retire: string[];
  backupIdentity?: { managementGroupId: string; identity: string };
}

export class SecureStorage {
  private constructor(readonly dir: string) {}

  /** Opens (and with `create`, makes) the store, refusing loose permissions. */
  static open(dir: string, options: { create?: boolean } = {}): SecureStorage {
    if (options.create && !fs.existsSync(dir)) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      fs.chmodSync(dir, 0o700); // umask may have narrowed mkdir's mode; make it exact
    }
    const store = new SecureStorage(dir);
    store.checkPermissions();
    if (fs.existsSync(dir)) {
      removeStaleTemps(dir);
      store.finishInterruptedReplacement();
    }
    return store;
  }

  /** Writes the journal of a replacement before any of it is done (see the header). */
  beginReplacement(r: KeyReplacement): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.checkPermissions();
    const journal = {
      format: FORMAT,
      write: r.write.map((k) => JSON.parse(serialize(k))),
      retire: r.retire,
      backupIdentity: r.backupIdentity,
    };
    writeFileAtomic(path.join(this.dir, JOURNAL), `${JSON.stringify(journal)}\n`, { mode: 0o600 });
  }

  /** The replacement is done (or undone): its journal goes. */
  endReplacement(): void {
    fs.rmSync(path.join(this.dir, JOURNAL), { force: true });
  }

  /**
   * Finishes a replacement a crash interrupted: every key of the journal
   * written (putKey keeps a different key of the same id beside it, dated),
   * every id to retire that is still active moved aside, the identity put,
   * then the journal removed. Idempotent: a crash in here is finished next time.
   */
  finishInterruptedReplacement(): boolean {
    const file = path.join(this.dir, JOURNAL);
    if (!fs.existsSync(file)) return false;
    let journal: { write?: unknown[]; retire?: unknown[]; backupIdentity?: KeyReplacement['backupIdentity'] };
    try {
      journal = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      throw new SmgrError('SECURE_STORAGE_CORRUPT', { path: file, reason: 'it is not JSON' });
    }
    const keys = (journal.write ?? []).map((k) => parseKey(k as Record<string, unknown>, file));
    for (const key of keys) this.putKey(key);
    const written = new Set(keys.map((k) => k.keyId));
    for (const id of journal.retire ?? []) {
      if (typeof id === 'string' && !written.has(id)) this.retireKey(id);
    }
    const identity = journal.backupIdentity;
    if (identity) this.putBackupIdentity(identity.managementGroupId, identity.identity);
    this.endReplacement();
    return true;
  }

  static exists(dir: string): boolean {
    return fs.existsSync(dir);
  }

  checkPermissions(): void {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // empty store: nothing to protect yet
      throw e;
    }
    checkEntry(this.dir, st, 0o700);
    for (const name of fs.readdirSync(this.dir)) {
      const file = path.join(this.dir, name);
      checkEntry(file, fs.statSync(file), 0o600);
    }
  }

  listKeys(): StoredKey[] {
    if (!fs.existsSync(this.dir)) return [];
    this.checkPermissions();
    return fs
      .readdirSync(this.dir)
      .filter((n) => KEY_FILE.test(n))
      .sort()
      .map((n) => this.readKeyFile(path.join(this.dir, n)));
  }

  getKey(keyId: string): StoredKey | undefined {
    return this.listKeys().find((k) => k.keyId === keyId);
  }

  /**
   * Writes a key. If a different key with that id exists it is moved aside
   * (kept, dated) — callers decide beforehand whether replacing is allowed.
   */
  putKey(key: StoredKey): { replacedFile?: string } {
    if (!KEY_FILE.test(`${key.keyId}.key`)) throw new Error(`invalid key id ${key.keyId}`);
    if (key.kek.length !== 32) throw new Error('a KEK is 32 bytes');
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.checkPermissions();
    const target = path.join(this.dir, `${key.keyId}.key`);
    let replacedFile: string | undefined;
    const existing = fs.existsSync(target) ? this.readKeyFile(target) : undefined;
    if (existing && !existing.kek.equals(key.kek)) {
      replacedFile = `${target}.replaced-${new Date().toISOString().replace(/[:.]/g, '')}`;
      fs.copyFileSync(target, replacedFile, fs.constants.COPYFILE_EXCL);
      fs.chmodSync(replacedFile, 0o600);
    }
    writeFileAtomic(target, serialize(key), { mode: 0o600 });
    return { replacedFile };
  }

  /**
   * Removes a key file that this process wrote moments ago and that nothing
   * references (setup rolling back). Never used on a key that may be in use.
   */
  retireKeyFile(keyId: string): void {
    fs.rmSync(path.join(this.dir, `${keyId}.key`), { force: true });
  }

  /** Undoes putKey() over `previous` (a caller rolling back): writes it back, and drops the dated copy putKey made. */
  revertKey(previous: StoredKey, replacedFile?: string): void {
    writeFileAtomic(path.join(this.dir, `${previous.keyId}.key`), serialize(previous), { mode: 0o600 });
    if (replacedFile) fs.rmSync(replacedFile, { force: true });
  }

  /** Moves a key file aside (dated), e.g. to replace it with another group's key. */
  retireKey(keyId: string): string | undefined {
    const target = path.join(this.dir, `${keyId}.key`);
    if (!fs.existsSync(target)) return undefined;
    const retired = `${target}.replaced-${new Date().toISOString().replace(/[:.]/g, '')}`;
    fs.renameSync(target, retired);
    return retired;
  }

  /** Undoes retireKey(): moves a retired key file back (a caller rolling back; the key file must be gone). */
  unretireKey(keyId: string, retiredFile: string): void {
    const target = path.join(this.dir, `${keyId}.key`);
    if (fs.existsSync(target)) throw new Error(`cannot move ${retiredFile} back: ${target} exists`);
    fs.renameSync(retiredFile, target);
  }

  /** The backup identity (AGE-SECRET-KEY-1…) of a management group, if held here. */
  getBackupIdentity(managementGroupId: string): string | undefined {
    return this.listBackupIdentities().find((i) => i.managementGroupId === managementGroupId)?.identity;
  }

  listBackupIdentities(): Array<{ managementGroupId: string; identity: string }> {
    if (!fs.existsSync(this.dir)) return [];
    this.checkPermissions();
    return fs
      .readdirSync(this.dir)
      .filter((n) => IDENTITY_FILE.test(n))
      .sort()
      .map((n) => {
        const file = path.join(this.dir, n);
        let data: { managementGroupId?: unknown; identity?: unknown };
        try {
          data = JSON.parse(fs.readFileSync(file, 'utf8'));
        } catch {
          throw new SmgrError('SECURE_STORAGE_CORRUPT', { path: file, reason: 'it is not JSON' });
        }
        if (typeof data.identity !== 'string' || !data.identity.startsWith('AGE-SECRET-KEY-1')) {
          throw new SmgrError('SECURE_STORAGE_CORRUPT', { path: file, reason: 'it holds no age identity' });
        }
        return { managementGroupId: String(data.managementGroupId), identity: data.identity };
      });
  }

  /** Removes a backup identity this process wrote moments ago and nothing references (setup rolling back). */
  removeNewBackupIdentity(managementGroupId: string): void {
    fs.rmSync(path.join(this.dir, `backup-${managementGroupId}.identity`), { force: true });
  }

  /** Writes a group's backup identity; a different one already held is kept beside it, dated. */
  putBackupIdentity(managementGroupId: string, identity: string): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.checkPermissions();
    const target = path.join(this.dir, `backup-${managementGroupId}.identity`);
    if (!IDENTITY_FILE.test(path.basename(target))) throw new Error('invalid management group id');
    const held = this.getBackupIdentity(managementGroupId);
    if (held === identity) return;
    if (held !== undefined) {
      // Copied aside, then replaced atomically: a crash never leaves the group without an identity.
      const replaced = `${target}.replaced-${new Date().toISOString().replace(/[:.]/g, '')}`;
      fs.copyFileSync(target, replaced, fs.constants.COPYFILE_EXCL);
      fs.chmodSync(replaced, 0o600);
    }
    const body = { format: FORMAT, managementGroupId, identity, createdAt: new Date().toISOString() };
    writeFileAtomic(target, `${JSON.stringify(body)}\n`, { mode: 0o600 });
  }

  private readKeyFile(file: string): StoredKey {
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      throw new SmgrError('SECURE_STORAGE_CORRUPT', { path: file, reason: 'it is not JSON' });
    }
    return parseKey(data, file);
  }
}

/** A key file's (or a journal entry's) JSON, checked. */
function parseKey(data: Record<string, unknown>, file: string): StoredKey {
  const damaged = (reason: string) => new SmgrError('SECURE_STORAGE_CORRUPT', { path: file, reason });
  if (data.format !== FORMAT) throw damaged(`unknown format ${String(data.format)}`);
  const kek = typeof data.kek === 'string' ? Buffer.from(data.kek, 'base64') : Buffer.alloc(0);
  if (kek.length !== 32) throw damaged('the key is not 256 bits');
  for (const field of ['keyId', 'part', 'managementGroupId', 'managementGroupName', 'createdAt']) {
    if (typeof data[field] !== 'string') throw damaged(`${field} is missing`);
  }
  return {
    keyId: data.keyId as string,
    part: data.part as KeyPart,
    managementGroupId: data.managementGroupId as string,
    managementGroupName: data.managementGroupName as string,
    kek,
    createdAt: data.createdAt as string,
  };
}

function serialize(key: StoredKey): string {
  return `${JSON.stringify({
    format: FORMAT,
    keyId: key.keyId,
    part: key.part,
    managementGroupId: key.managementGroupId,
    managementGroupName: key.managementGroupName,
    createdAt: key.createdAt,
    kek: key.kek.toString('base64'),
  })}\n`;
}

function checkEntry(file: string, st: fs.Stats, wanted: number): void {
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new SmgrError('SECURE_STORAGE_OWNER', { path: file, owner: st.uid, uid });
  }
  if ((st.mode & 0o077) !== 0) {
    throw new SmgrError('SECURE_STORAGE_PERMISSIONS', {
      path: file,
      mode: (st.mode & 0o777).toString(8).padStart(3, '0'),
      fix: wanted.toString(8),
    });
  }
}
