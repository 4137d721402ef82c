/** writeKeyBackup(): checks first, then one 0600 file written atomically (docs/FORMAT.md §1.5). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '../../test/support/engines.js';
import { sampleGroup, snapshot, storedKey } from '../../test/support/key-backup.js';
import { SecureStorage } from '../secure-storage/secure-storage.js';
import { readKeyBackup } from './key-backup-file.js';
import { restoreKeys } from './restore-keys.js';
import { writeKeyBackup } from './write-key-backup.js';

const PASS = 'a long enough passphrase';

describe('writeKeyBackup', () => {
  const root = tempDir('smgr-key-backup-');
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  let n = 0;
  /** A fresh home: secure storage with a management-group and a portal key, and an empty out/ directory. */
  function setup() {
    const home = path.join(root, `home-${n++}`);
    const storage = SecureStorage.open(path.join(home, 'secure-storage'), { create: true });
    const group = sampleGroup();
    const keys = [storedKey(group, 'management-group'), storedKey(group, 'portal')];
    for (const k of keys) storage.putKey(k);
    const out = path.join(home, 'out');
    fs.mkdirSync(out);
    return { storage, group, keys, out, file: path.join(out, 'sm01.smkey') };
  }

  it('a computer running a management server and a data warehouse: both keys, each under its own group (issue 9)', async () => {
    const root2 = path.join(root, `both-${n++}`);
    const storage = SecureStorage.open(path.join(root2, 'secure-storage'), { create: true });
    const sm = sampleGroup('Contoso SM');
    const dw = sampleGroup('Contoso DW');
    const mg = storedKey(sm, 'management-group');
    const dwKey = storedKey(dw, 'data-warehouse');
    storage.putKey(mg);
    storage.putKey(dwKey);
    const file = path.join(root2, 'both.smkey');
    const r = await writeKeyBackup({
      storage,
      file,
      passphrase: PASS,
      computerName: 'sm01',
      managementGroup: sm,
      otherGroups: [dw],
    });
    assert.deepEqual(r.keyIds.sort(), [mg.keyId, dwKey.keyId].sort());
    const content = await readKeyBackup(file, PASS);
    assert.deepEqual(content.keys.find((k) => k.part === 'data-warehouse')?.managementGroup, dw);
    assert.equal(content.keys.find((k) => k.part === 'management-group')?.managementGroup, undefined);
    const fresh = SecureStorage.open(path.join(root2, 'restored'), { create: true });
    restoreKeys({ storage: fresh, content });
    assert.equal(fresh.getKey(dwKey.keyId)?.managementGroupId, dw.id);
    assert.equal(fresh.getKey(mg.keyId)?.managementGroupId, sm.id);
    assert.ok(fresh.getKey(dwKey.keyId)?.kek.equals(dwKey.kek));
  });

  it('writes the group keys to a 0600 file that decodes to them, leaving no temporary file', async () => {
    const { storage, group, keys, out, file } = setup();
    const other = storedKey(sampleGroup('Other'), 'data-warehouse');
    storage.putKey(other);
    const r = await writeKeyBackup({
      storage,
      file,
      passphrase: PASS,
      computerName: 'sm01',
      managementGroup: group,
    });
    assert.equal(r.file, file);
    assert.deepEqual(r.keyIds, keys.map((k) => k.keyId).sort());
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(fs.readdirSync(out), ['sm01.smkey']);
    const content = await readKeyBackup(file, PASS);
    assert.equal(content.computerName, 'sm01');
    assert.deepEqual(content.managementGroup, group);
    assert.equal(content.backupIdentity, null);
    assert.deepEqual(
      content.keys.map((k) => [k.keyId, k.part, k.kek.toString('hex'), k.createdAt]).sort(),
      keys.map((k) => [k.keyId, k.part, k.kek.toString('hex'), k.createdAt]).sort(),
      'the keys of the group, and not the other group key',
    );
  });

  it('refuses a short passphrase before writing anything', async () => {
    const { storage, group, out, file } = setup();
    const before = snapshot(path.dirname(out));
    await assert.rejects(
      writeKeyBackup({ storage, file, passphrase: 'short12', computerName: 'sm01', managementGroup: group }),
      (e: { code?: string }) => e.code === 'PASSWORD_TOO_SHORT',
    );
    assert.equal(snapshot(path.dirname(out)), before);
  });

  it('refuses an existing file unless forced, then replaces it (0600)', async () => {
    const { storage, group, file } = setup();
    fs.writeFileSync(file, 'precious', { mode: 0o644 });
    await assert.rejects(
      writeKeyBackup({ storage, file, passphrase: PASS, computerName: 'sm01', managementGroup: group }),
      (e: { code?: string; message?: string }) =>
        e.code === 'FILE_EXISTS' && e.message === `${file} already exists.`,
    );
    assert.equal(fs.readFileSync(file, 'utf8'), 'precious');
    await writeKeyBackup({
      storage,
      file,
      passphrase: PASS,
      computerName: 'sm01',
      managementGroup: group,
      force: true,
    });
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal((await readKeyBackup(file, PASS)).managementGroup.id, group.id);
  });

  it('refuses when secure storage holds no key of the group (KEY_BACKUP_NOTHING)', async () => {
    const { group, out, file } = setup();
    const empty = SecureStorage.open(path.join(out, 'empty-store'));
    await assert.rejects(
      writeKeyBackup({
        storage: empty,
        file,
        passphrase: PASS,
        computerName: 'sm01',
        managementGroup: group,
      }),
      (e: { code?: string; message?: string }) =>
        e.code === 'KEY_BACKUP_NOTHING' && e.message?.includes(`"${group.name}"`),
    );
    const { storage } = setup();
    await assert.rejects(
      writeKeyBackup({
        storage,
        file,
        passphrase: PASS,
        computerName: 'sm01',
        managementGroup: sampleGroup('X'),
      }),
      (e: { code?: string }) => e.code === 'KEY_BACKUP_NOTHING',
    );
    assert.ok(!fs.existsSync(file));
  });

  it('names the path when it cannot write (KEY_BACKUP_WRITE_FAILED)', async () => {
    const { storage, group, out } = setup();
    const file = path.join(out, 'no-such-dir', 'sm01.smkey');
    await assert.rejects(
      writeKeyBackup({ storage, file, passphrase: PASS, computerName: 'sm01', managementGroup: group }),
      (e: { code?: string; message?: string }) =>
        e.code === 'KEY_BACKUP_WRITE_FAILED' &&
        e.message === `Cannot write the key backup file ${file}: ENOENT.`,
    );
  });
});

describe('writeKeyBackup after a key backup was killed half-way', () => {
  const root = tempDir('smgr-key-backup-tmp-');
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('removes the temporary file a dead key backup left beside the target, and no live one', async () => {
    const storage = SecureStorage.open(path.join(root, 'secure-storage'), { create: true });
    const group = sampleGroup();
    storage.putKey(storedKey(group, 'management-group'));
    const out = path.join(root, 'out');
    fs.mkdirSync(out);
    // A process that has exited: its pid is dead (as after kill -9 between link() and unlink()).
    const dead = spawnSync(process.execPath, [
      '-e',
      'process.stdout.write(String(process.pid))',
    ]).stdout.toString();
    const stale = path.join(out, `.tmp-sm01.smkey-${dead}-0123456789ab`);
    const live = path.join(out, `.tmp-sm01.smkey-${process.pid}-ba9876543210`);
    const otherFile = path.join(out, `.tmp-other.smkey-${dead}-0123456789ab`);
    for (const f of [stale, live, otherFile]) fs.writeFileSync(f, 'partial', { mode: 0o600 });
    await writeKeyBackup({
      storage,
      file: path.join(out, 'sm01.smkey'),
      passphrase: PASS,
      computerName: 'sm01',
      managementGroup: group,
    });
    assert.deepEqual(
      fs.readdirSync(out).sort(),
      [path.basename(otherFile), path.basename(live), 'sm01.smkey'].sort(),
    );
  });
});
