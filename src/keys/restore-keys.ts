/**
 * `smgr key restore`, the domain side: put the keys of a decoded key backup
 * file (docs/FORMAT.md §1) into this computer's secure storage.
 *
 * Rules:
 *  - a key already held with the same id and the same bytes is left as is
 *    ("unchanged");
 *  - a different key held for the same part (another key id, other bytes, or
 *    another management group's key of that part) is a conflict: refused,
 *    changing nothing, unless forced; forced, the file's key is written first
 *    and only then the held key file moved aside with a dated name (never
 *    deleted);
 *  - everything is checked before anything is written, and a failure half-way
 *    is undone (written keys removed, moved files moved back), so secure
 *    storage is as before (ARCHITECTURE §3, invariant 3).
 *
 * Crash (kill -9 half-way): the replacement is journalled in secure storage
 * before it starts (SecureStorage.beginReplacement), and the next opening of
 * secure storage — serve, key restore, any command — finishes it; a part is
 * never left without its key.
 */
import fs from 'node:fs';
import { SmgrError } from '../errors/smgr-error.js';
import type { SecureStorage, StoredKey } from '../secure-storage/secure-storage.js';
import { type BackedUpKey, type KeyBackupContent, keyBackupContentProblem } from './key-backup-file.js';

export interface RestoreKeysResult {
  /** Key ids written to secure storage. */
  restored: string[];
  /** Key ids already held with the same bytes. */
  unchanged: string[];
  /** Key files moved aside (dated) to make room for the restored keys. */
  replacedFiles: string[];
  /** From the file, for the caller to show. */
  managementGroup: { id: string; name: string };
  computerName: string;
}

type Step =
  | { kind: 'retired'; keyId: string; file: string }
  | { kind: 'written'; keyId: string }
  | { kind: 'replaced'; held: StoredKey; file?: string };

export function restoreKeys(o: {
  storage: SecureStorage;
  content: KeyBackupContent;
  force?: boolean;
}): RestoreKeysResult {
  const { storage, content } = o;
  const problem = keyBackupContentProblem(content);
  if (problem) throw new Error(`cannot restore keys from invalid content: ${problem}`);

  // Plan: nothing is written before every key has been compared with what is held.
  const held = storage.listKeys();
  const unchanged: string[] = [];
  const toWrite: BackedUpKey[] = [];
  const toRetire = new Set<string>();
  for (const key of content.keys) {
    const same = held.find((h) => h.keyId === key.keyId);
    if (same?.kek.equals(key.kek)) {
      unchanged.push(key.keyId);
      continue;
    }
    const clashing = held.filter((h) => h.keyId === key.keyId || h.part === key.part);
    const first = clashing[0];
    if (first && !o.force) {
      throw new SmgrError('KEY_RESTORE_CONFLICT', {
        path: storage.dir,
        held: first.keyId,
        part: key.part,
        keyId: key.keyId,
      });
    }
    // A held key of the same id is replaced by putKey (kept beside it, dated); others are retired after.
    for (const h of clashing) if (h.keyId !== key.keyId) toRetire.add(h.keyId);
    toWrite.push(key);
  }

  // Apply: journalled (a crash is finished by the next open), with an undo log (a failure is undone).
  const storeExisted = fs.existsSync(storage.dir);
  const steps: Step[] = [];
  const replacedFiles: string[] = [];
  const identity = content.backupIdentity
    ? { managementGroupId: content.managementGroup.id, identity: content.backupIdentity }
    : undefined;
  const replacing = toWrite.length > 0 || toRetire.size > 0;
  try {
    if (replacing) {
      storage.beginReplacement({
        write: toWrite.map((k) => toStoredKey(k, content)),
        retire: [...toRetire],
        backupIdentity: identity,
      });
    }
    for (const key of toWrite) {
      const held = storage.getKey(key.keyId);
      // Logged before the write: undoing it is right even if putKey failed after writing.
      const step: Step = held ? { kind: 'replaced', held } : { kind: 'written', keyId: key.keyId };
      steps.push(step);
      const { replacedFile } = storage.putKey(toStoredKey(key, content));
      if (step.kind === 'replaced' && replacedFile) {
        step.file = replacedFile;
        replacedFiles.push(replacedFile);
      }
    }
    for (const keyId of toRetire) {
      const file = storage.retireKey(keyId);
      if (file) {
        steps.push({ kind: 'retired', keyId, file });
        replacedFiles.push(file);
      }
    }
    // The database-backup identity travels with the keys (docs/FORMAT.md §1, §2.1).
    // Written last: a different identity already held is kept beside it, dated.
    if (identity) storage.putBackupIdentity(identity.managementGroupId, identity.identity);
    if (replacing) storage.endReplacement();
  } catch (e) {
    undo(storage, steps, storeExisted);
    throw e;
  }
  return {
    restored: toWrite.map((k) => k.keyId),
    unchanged,
    replacedFiles,
    managementGroup: { id: content.managementGroup.id, name: content.managementGroup.name },
    computerName: content.computerName,
  };
}

function toStoredKey(key: BackedUpKey, content: KeyBackupContent): StoredKey {
  return {
    keyId: key.keyId,
    part: key.part,
    managementGroupId: (key.managementGroup ?? content.managementGroup).id,
    managementGroupName: (key.managementGroup ?? content.managementGroup).name,
    kek: key.kek,
    createdAt: key.createdAt,
  };
}

/** Best effort, in reverse order; the caller rethrows the original error. */
function undo(storage: SecureStorage, steps: Step[], storeExisted: boolean): void {
  for (const step of steps.reverse()) {
    try {
      if (step.kind === 'written') storage.retireKeyFile(step.keyId);
      else if (step.kind === 'replaced') storage.revertKey(step.held, step.file);
      else storage.unretireKey(step.keyId, step.file);
    } catch {
      // keep undoing the other steps
    }
  }
  storage.endReplacement();
  if (!storeExisted) {
    try {
      fs.rmdirSync(storage.dir); // only if still empty
    } catch {
      // not empty or already gone: leave it
    }
  }
}
