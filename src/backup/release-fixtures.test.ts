/**
 * Every release reads what earlier releases wrote (issue 8 item 8; restic's
 * old-index-repo): for each committed test/fixtures/release-<version>/backup/ (made
 * by scripts/make-release-fixtures.mjs with that release's CLI), its key
 * backup file decodes to the keys of its home's secure storage, its home's
 * secure storage opens, its archive verifies and restores on both engines
 * with every row, and the sealed secret opens with the restored key.
 * Never regenerate a committed fixture: a failure here means the change
 * broke old files, and the change is what must be fixed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ENGINES, tempDir } from '../../test/support/engines.js';
import { copySecureStorage, releaseFixtures } from '../../test/support/release-fixtures.js';
import { readKeyBackup } from '../keys/key-backup-file.js';
import { restoreKeys } from '../keys/restore-keys.js';
import { unlockKey } from '../keys/unlock-key.js';
import { SecureStorage } from '../secure-storage/secure-storage.js';
import { listBackups } from './backup-catalog.js';
import { checkArchive } from './check-archive.js';
import { restoreDatabase } from './restore-database.js';

test('there is a fixture of release 0.1.0 at least', () => {
  assert.ok(releaseFixtures().some((r) => r.name === 'release-0.1'));
});

for (const release of releaseFixtures()) {
  const { name, expected, passphrase, archive, keyFile } = release;

  describe(`${name}: key backup file and secure storage`, () => {
    const dir = tempDir('smgr-release-');
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    test('the key backup file holds the keys and backup identity of its home', async () => {
      const content = await readKeyBackup(keyFile, passphrase);
      assert.deepEqual(content.managementGroup, expected.managementGroup);
      const storage = copySecureStorage(release, path.join(dir, 'held'));
      const held = storage.listKeys();
      assert.deepEqual(
        content.keys.map((k) => [k.keyId, k.part, k.kek.toString('hex')]),
        held.map((k) => [k.keyId, k.part, k.kek.toString('hex')]),
      );
      assert.equal(content.backupIdentity, storage.getBackupIdentity(expected.managementGroup.id));
      // And it restores into an empty secure storage.
      const fresh = SecureStorage.open(path.join(dir, 'fresh'), { create: true });
      const restored = restoreKeys({ storage: fresh, content });
      assert.deepEqual(
        restored.restored,
        held.map((k) => k.keyId),
      );
    });

    test('its archive is listed from its summary', () => {
      const listed = listBackups(release.dir);
      assert.equal(listed.length, 1);
      assert.equal(listed[0]!.summarized, true);
      assert.deepEqual(listed[0]!.managementGroup, expected.managementGroup);
    });
  });

  for (const makeFixture of ENGINES) {
    const fx = makeFixture();
    describe(`${name}: the archive restores (${fx.name})`, () => {
      const dir = tempDir('smgr-release-');
      after(async () => {
        await fx.cleanup();
        fs.rmSync(dir, { recursive: true, force: true });
      });

      test('verifies, restores every row, and its sealed secret opens with the key of the key backup file', async () => {
        const content = await readKeyBackup(keyFile, passphrase);
        const identities = [content.backupIdentity!];
        const { manifest } = await checkArchive(archive, {
          identities,
          expectedGroup: expected.managementGroup,
        });
        const rows = Object.fromEntries(manifest.databases[0]!.tables.map((t) => [t.name, t.rows]));
        assert.deepEqual(rows, expected.tables);

        const url = await fx.newDatabaseUrl();
        const result = await restoreDatabase({
          allowUnauthenticated: true,
          file: archive,
          targetUrl: url,
          identities,
          expectedGroup: content.managementGroup,
        });
        assert.deepEqual(Object.fromEntries(result.tables.map((t) => [t.name, t.rows])), expected.tables);
        const db = await fx.open(url);
        try {
          const items = await db.query<{ display_id: string; title: string }>(
            'SELECT display_id, title FROM work_items ORDER BY id',
          );
          assert.deepEqual(
            items.rows.map((r) => ({ displayId: r.display_id, title: r.title })),
            expected.workItems,
          );
          const cis = await db.query<{ class: string; name: string }>(
            'SELECT class, name FROM config_items ORDER BY id',
          );
          assert.deepEqual(cis.rows, expected.configItems);
          const storage = SecureStorage.open(path.join(dir, `storage-${fx.name}`), { create: true });
          restoreKeys({ storage, content });
          const keyId = content.keys[0]!.keyId;
          const sealer = await unlockKey(db, storage, keyId, content.managementGroup.name);
          for (const account of expected.runAsAccounts) {
            const sealed = await db.query<{ password_sealed: Buffer }>(
              'SELECT password_sealed FROM run_as_accounts WHERE id = $1',
              [account.id],
            );
            const opened = sealer.open(sealed.rows[0]!.password_sealed, {
              table: 'run_as_accounts',
              column: 'password_sealed',
              row: account.id,
            });
            assert.equal(opened, account.password);
          }
        } finally {
          await db.close();
        }
      });
    });
  }
}
