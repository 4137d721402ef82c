/**
 * restoreKeys(): same key → unchanged; a different key for the same part →
 * refused with secure storage byte-for-byte as before, or, forced, replaced
 * with the old file kept dated; a failure half-way is undone.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '../../test/support/engines.js';
import { sampleContent, sampleGroup, snapshot, storedKey } from '../../test/support/key-backup.js';
import { isSmgrError } from '../errors/smgr-error.js';
import { SecureStorage, type StoredKey } from '../secure-storage/secure-storage.js';
import { type KeyBackupContent, readKeyBackup } from './key-backup-file.js';
import { restoreKeys } from './restore-keys.js';
import { writeKeyBackup } from './write-key-backup.js';

describe('restoreKeys', () => {
  const root = tempDir('smgr-key-restore-');
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  let n = 0;
  const freshStore = (create = true) =>
    SecureStorage.open(path.join(root, `home-${n++}`, 'secure-storage'), { create });

  /** The keys of `content` as secure storage holds them. */
  const asStored = (content: KeyBackupContent): StoredKey[] =>
    content.keys.map((k) => ({
      ...k,
      managementGroupId: content.managementGroup.id,
      managementGroupName: content.managementGroup.name,
    }));

  const conflict = (held: string, keyId: string) => (e: unknown) => {
    assert.ok(isSmgrError(e), String(e));
    assert.equal(e.code, 'KEY_RESTORE_CONFLICT');
    assert.match(e.message, new RegExp(`already holds key ${held} .* not key ${keyId} of the file`));
    assert.equal(e.remedy, 'Pass --force to replace it (the old key is kept beside it, dated).');
    return true;
  };

  it('restores into empty secure storage (created 0700, files 0600)', () => {
    const storage = freshStore(false);
    const content = sampleContent(['management-group', 'data-warehouse', 'portal']);
    const r = restoreKeys({ storage, content });
    assert.deepEqual(r.restored.sort(), content.keys.map((k) => k.keyId).sort());
    assert.deepEqual(r.unchanged, []);
    assert.deepEqual(r.replacedFiles, []);
    assert.deepEqual(r.managementGroup, content.managementGroup);
    assert.equal(r.computerName, 'sm01');
    assert.deepEqual(
      storage.listKeys(),
      asStored(content).sort((a, b) => a.keyId.localeCompare(b.keyId)),
    );
    assert.equal(fs.statSync(storage.dir).mode & 0o777, 0o700);
    for (const f of fs.readdirSync(storage.dir))
      assert.equal(fs.statSync(path.join(storage.dir, f)).mode & 0o777, 0o600);
  });

  it('leaves identical keys unchanged, changing nothing', () => {
    const storage = freshStore();
    const content = sampleContent(['management-group', 'portal']);
    for (const k of asStored(content)) storage.putKey(k);
    const before = snapshot(storage.dir);
    const r = restoreKeys({ storage, content });
    assert.deepEqual(r.restored, []);
    assert.deepEqual(r.unchanged.sort(), content.keys.map((k) => k.keyId).sort());
    assert.equal(snapshot(storage.dir), before);
  });

  it("refuses over another group's key of the same part, byte for byte unchanged", () => {
    const storage = freshStore();
    const held = storedKey(sampleGroup('Other group'), 'management-group');
    storage.putKey(held);
    const content = sampleContent(['management-group', 'portal']);
    const before = snapshot(storage.dir);
    assert.throws(() => restoreKeys({ storage, content }), conflict(held.keyId, content.keys[0]!.keyId));
    assert.equal(snapshot(storage.dir), before);
  });

  it('refuses over another key of the same group and part, or other bytes under the same id', () => {
    const storage = freshStore();
    const content = sampleContent(['management-group']);
    const other = { ...storedKey(content.managementGroup, 'management-group') };
    storage.putKey(other);
    let before = snapshot(storage.dir);
    assert.throws(() => restoreKeys({ storage, content }), conflict(other.keyId, content.keys[0]!.keyId));
    assert.equal(snapshot(storage.dir), before);

    const storage2 = freshStore();
    const sameId = { ...asStored(content)[0]!, kek: Buffer.alloc(32, 9) };
    storage2.putKey(sameId);
    before = snapshot(storage2.dir);
    assert.throws(() => restoreKeys({ storage: storage2, content }), conflict(sameId.keyId, sameId.keyId));
    assert.equal(snapshot(storage2.dir), before);
  });

  it('with force, replaces the key and keeps the old file beside it, dated', () => {
    const storage = freshStore();
    const held = storedKey(sampleGroup('Other group'), 'management-group');
    const unrelated = storedKey(sampleGroup('Third'), 'data-warehouse');
    storage.putKey(held);
    storage.putKey(unrelated);
    const heldBytes = fs.readFileSync(path.join(storage.dir, `${held.keyId}.key`));
    const content = sampleContent(['management-group', 'portal']);
    const r = restoreKeys({ storage, content, force: true });
    assert.deepEqual(r.restored.sort(), content.keys.map((k) => k.keyId).sort());
    assert.equal(r.replacedFiles.length, 1);
    const replaced = r.replacedFiles[0]!;
    assert.match(
      path.basename(replaced),
      new RegExp(`^${held.keyId}\\.key\\.replaced-\\d{4}-\\d{2}-\\d{2}T\\d{9}Z$`),
    );
    assert.deepEqual(fs.readFileSync(replaced), heldBytes, 'the old key is kept');
    assert.equal(fs.statSync(replaced).mode & 0o777, 0o600);
    assert.deepEqual(
      storage.listKeys().map((k) => k.keyId),
      [...content.keys.map((k) => k.keyId), unrelated.keyId].sort(),
      'the old key is no longer active; a key of another part is left alone',
    );
    assert.deepEqual(storage.getKey(content.keys[0]!.keyId)?.kek, content.keys[0]!.kek);
  });

  it('with force, replaces other bytes under the same key id', () => {
    const storage = freshStore();
    const content = sampleContent(['management-group']);
    const sameId = { ...asStored(content)[0]!, kek: Buffer.alloc(32, 9) };
    storage.putKey(sameId);
    const r = restoreKeys({ storage, content, force: true });
    assert.deepEqual(r.restored, [sameId.keyId]);
    assert.equal(r.replacedFiles.length, 1);
    assert.deepEqual(storage.getKey(sameId.keyId)?.kek, content.keys[0]!.kek);
    assert.match(
      fs.readFileSync(r.replacedFiles[0]!, 'utf8'),
      new RegExp(Buffer.alloc(32, 9).toString('base64')),
    );
  });

  it('undoes everything when a write fails half-way', () => {
    const storage = freshStore();
    const held = storedKey(sampleGroup('Other group'), 'management-group');
    storage.putKey(held);
    const before = snapshot(storage.dir);
    const content = sampleContent(['management-group', 'data-warehouse', 'portal']);
    const putKey = storage.putKey.bind(storage);
    let calls = 0;
    storage.putKey = (key) => {
      if (++calls === 2) {
        putKey(key); // written, then the failure: undo must remove it too
        throw new Error('disk full');
      }
      return putKey(key);
    };
    assert.throws(() => restoreKeys({ storage, content, force: true }), /disk full/);
    assert.equal(calls, 2);
    assert.equal(snapshot(storage.dir), before);
  });

  it('undoes everything in a store that did not exist', () => {
    const storage = freshStore(false);
    const content = sampleContent(['management-group', 'portal']);
    const putKey = storage.putKey.bind(storage);
    let calls = 0;
    storage.putKey = (key) => {
      if (++calls === 2) throw new Error('disk full');
      return putKey(key);
    };
    assert.throws(() => restoreKeys({ storage, content }), /disk full/);
    assert.equal(snapshot(storage.dir), null);
  });

  it('restores what writeKeyBackup wrote on another computer', async () => {
    const source = freshStore();
    const group = sampleGroup();
    const keys = [storedKey(group, 'management-group'), storedKey(group, 'data-warehouse')];
    for (const k of keys) source.putKey(k);
    const file = path.join(root, 'transfer.smkey');
    await writeKeyBackup({
      storage: source,
      file,
      passphrase: 'moving day 2025',
      computerName: 'sm01',
      managementGroup: group,
    });
    const target = freshStore(false);
    const r = restoreKeys({ storage: target, content: await readKeyBackup(file, 'moving day 2025') });
    assert.deepEqual(r.restored.sort(), keys.map((k) => k.keyId).sort());
    assert.deepEqual(target.listKeys(), source.listKeys());
  });
});

describe('restoreKeys killed half-way (kill -9)', () => {
  const root = tempDir('smgr-key-restore-kill-');
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  /**
   * Runs `restoreKeys --force` in a child process that kills itself with
   * SIGKILL at the `killAt`-th write of secure storage (putKey, retireKey or
   * putBackupIdentity), as a kill -9 at that point would.
   */
  function killedRestore(storeDir: string, contentFile: string, killAt: number) {
    const storageModule = path.resolve('dist/src/secure-storage/secure-storage.js');
    const restoreModule = path.resolve('dist/src/keys/restore-keys.js');
    const script = `
      const { SecureStorage } = await import(${JSON.stringify(storageModule)});
      const { restoreKeys } = await import(${JSON.stringify(restoreModule)});
      const fs = await import('node:fs');
      const c = JSON.parse(fs.readFileSync(${JSON.stringify(contentFile)}, 'utf8'));
      c.keys = c.keys.map((k) => ({ ...k, kek: Buffer.from(k.kek, 'base64') }));
      const storage = SecureStorage.open(${JSON.stringify(storeDir)});
      let writes = 0;
      for (const m of ['putKey', 'retireKey', 'putBackupIdentity']) {
        const real = storage[m].bind(storage);
        storage[m] = (...a) => { if (++writes === ${killAt}) process.kill(process.pid, 'SIGKILL'); return real(...a); };
      }
      restoreKeys({ storage, content: c, force: true });`;
    return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  }

  it('at every write, the next opening of secure storage finishes the replacement: never a part without its key', () => {
    const content = sampleContent(['management-group', 'portal']);
    content.backupIdentity = null;
    const contentFile = path.join(root, 'content.json');
    fs.writeFileSync(
      contentFile,
      JSON.stringify({
        ...content,
        keys: content.keys.map((k) => ({ ...k, kek: k.kek.toString('base64') })),
      }),
    );
    for (let killAt = 1; killAt <= 3; killAt++) {
      const dir = path.join(root, `store-${killAt}`);
      const storage = SecureStorage.open(dir, { create: true });
      const held = storedKey(sampleGroup('Other group'), 'management-group');
      storage.putKey(held);
      const r = killedRestore(dir, contentFile, killAt);
      assert.equal(r.signal, 'SIGKILL', `killed at write ${killAt}: ${r.stderr}`);
      assert.ok(fs.existsSync(path.join(dir, 'replacement.journal')), 'the journal outlives the kill');
      const reopened = SecureStorage.open(dir);
      assert.deepEqual(
        reopened.listKeys().map((k) => [k.keyId, k.kek.toString('hex')]),
        content.keys.map((k) => [k.keyId, k.kek.toString('hex')]).sort(),
        `killed at write ${killAt}`,
      );
      const names = fs.readdirSync(dir);
      assert.ok(!names.includes('replacement.journal'), 'the journal is gone once finished');
      assert.ok(
        names.some((n) => n.startsWith(`${held.keyId}.key.replaced-`)),
        'the old key is kept, dated',
      );
    }
  });
});
