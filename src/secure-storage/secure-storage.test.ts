import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { tempDir } from '../../test/support/engines.js';
import { snapshotDir } from '../../test/support/snapshot.js';
import { isSmgrError } from '../errors/smgr-error.js';
import { SecureStorage, type StoredKey } from './secure-storage.js';

const root = tempDir('smgr-ss-');
after(() => fs.rmSync(root, { recursive: true, force: true }));

const key = (keyId: string): StoredKey => ({
  keyId,
  part: 'management-group',
  managementGroupId: '00000000-0000-4000-8000-000000000001',
  managementGroupName: 'G',
  kek: randomBytes(32),
  createdAt: new Date().toISOString(),
});

test('creates the store 0700 and key files 0600, whatever the umask', () => {
  const old = process.umask(0o022);
  try {
    const dir = path.join(root, 'a', 'secure-storage');
    const s = SecureStorage.open(dir, { create: true });
    const k = key('mg-0000000000000001');
    s.putKey(k);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(dir, 'mg-0000000000000001.key')).mode & 0o777, 0o600);
    assert.deepEqual(s.getKey(k.keyId)?.kek, k.kek);
    assert.equal(fs.readdirSync(dir).filter((n) => n.startsWith('.tmp')).length, 0);
  } finally {
    process.umask(old);
  }
});

test('a store readable by others is refused with the path and the chmod that fixes it', () => {
  const dir = path.join(root, 'b', 'secure-storage');
  SecureStorage.open(dir, { create: true }).putKey(key('mg-0000000000000002'));
  fs.chmodSync(dir, 0o755);
  const before = snapshotDir(dir);
  assert.throws(
    () => SecureStorage.open(dir).listKeys(),
    (e) =>
      isSmgrError(e) &&
      e.code === 'SECURE_STORAGE_PERMISSIONS' &&
      e.message.includes(dir) &&
      e.remedy === `Run: chmod 700 ${dir}`,
  );
  assert.deepEqual(snapshotDir(dir), before);
});

test('a key file readable by its group is refused naming that file', () => {
  const dir = path.join(root, 'c', 'secure-storage');
  SecureStorage.open(dir, { create: true }).putKey(key('mg-0000000000000003'));
  const file = path.join(dir, 'mg-0000000000000003.key');
  fs.chmodSync(file, 0o640);
  assert.throws(
    () => SecureStorage.open(dir),
    (e) => isSmgrError(e) && e.code === 'SECURE_STORAGE_PERMISSIONS' && e.remedy === `Run: chmod 600 ${file}`,
  );
});

test('replacing a key keeps the old one beside it, dated', () => {
  const dir = path.join(root, 'd', 'secure-storage');
  const s = SecureStorage.open(dir, { create: true });
  const first = key('mg-0000000000000004');
  s.putKey(first);
  const second = { ...first, kek: randomBytes(32) };
  const { replacedFile } = s.putKey(second);
  assert.ok(replacedFile && fs.existsSync(replacedFile));
  assert.equal(fs.statSync(replacedFile).mode & 0o777, 0o600);
  assert.deepEqual(s.getKey(first.keyId)?.kek, second.kek);
  assert.equal(s.listKeys().length, 1);
});

test('a damaged key file is reported, not trusted', () => {
  const dir = path.join(root, 'e', 'secure-storage');
  const s = SecureStorage.open(dir, { create: true });
  fs.writeFileSync(path.join(dir, 'mg-0000000000000005.key'), '{"format":1,"kek":"AAAA"}', { mode: 0o600 });
  assert.throws(
    () => s.listKeys(),
    (e) => isSmgrError(e) && e.code === 'SECURE_STORAGE_CORRUPT',
  );
});

test('replacing a backup identity keeps the old one beside it, dated, and never leaves none', () => {
  const dir = path.join(root, 'identity', 'secure-storage');
  const s = SecureStorage.open(dir, { create: true });
  const group = '00000000-0000-4000-8000-000000000009';
  s.putBackupIdentity(group, 'AGE-SECRET-KEY-1AAAA');
  s.putBackupIdentity(group, 'AGE-SECRET-KEY-1BBBB');
  assert.equal(s.getBackupIdentity(group), 'AGE-SECRET-KEY-1BBBB');
  const replaced = fs.readdirSync(dir).filter((n) => n.includes('.identity.replaced-'));
  assert.equal(replaced.length, 1);
  assert.match(fs.readFileSync(path.join(dir, replaced[0]!), 'utf8'), /AGE-SECRET-KEY-1AAAA/);
});

test('opening removes the temporary files of dead writers and keeps those of live ones', () => {
  const dir = path.join(root, 'temps', 'secure-storage');
  const s = SecureStorage.open(dir, { create: true });
  s.putKey(key('mg-0000000000000003'));
  const dead = spawnSync(process.execPath, [
    '-e',
    'process.stdout.write(String(process.pid))',
  ]).stdout.toString();
  const stale = `.tmp-mg-0000000000000003.key-${dead}-0123456789ab`;
  const live = `.tmp-mg-0000000000000003.key-${process.pid}-0123456789ab`;
  for (const n of [stale, live]) fs.writeFileSync(path.join(dir, n), '{', { mode: 0o600 });
  SecureStorage.open(dir);
  const names = fs.readdirSync(dir);
  assert.ok(!names.includes(stale));
  assert.ok(names.includes(live));
});
