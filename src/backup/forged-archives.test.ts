/**
 * Archives forged by someone who holds the group's public backup recipient
 * (it is in the database, so in every dump) but not its key (issue 15,
 * docs/FORMAT.md §2.9): refused by verify and restore before any row is
 * read, on both engines; a version 1 archive (which cannot be authenticated)
 * is read by verify with a warning and restored only when asked. Also: the
 * key that authenticates an archive missing, MACs missing or moved between
 * archives, and named entries (format version 2) checked against the manifest.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { prepareServiceManager } from '../../test/support/api-fixture.js';
import {
  type ArchiveCrafter,
  openCrafter,
  openEntries,
  sealEntries,
  type TarEntry,
} from '../../test/support/craft-archive.js';
import { ENGINES, tempDir } from '../../test/support/engines.js';
import type { Database } from '../db/database.js';
import { isEmptyDatabase } from '../db/migrate.js';
import { isSmgrError } from '../errors/smgr-error.js';
import type { SecureStorage } from '../secure-storage/secure-storage.js';
import { archiveAuthKey } from './archive-auth.js';
import { ensureBackupRecipient } from './backup-recipient.js';
import { checkArchive } from './check-archive.js';
import { createBackup } from './create-backup.js';
import type { ProgressEvent } from './progress.js';
import type { ReadArchiveOptions } from './read-archive.js';
import { restoreDatabase } from './restore-database.js';

for (const makeEngine of ENGINES) {
  const engine = makeEngine();
  describe(`forged and unauthenticated archives (${engine.name})`, () => {
    const dir = tempDir('smgr-forged-');
    let db: Database;
    let group: { id: string; name: string };
    let storage: SecureStorage;
    let identity: string;
    let crafter: ArchiveCrafter;
    let options: ReadArchiveOptions;
    let second: TarEntry[];

    const write = (name: string, bytes: Buffer) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, bytes);
      return file;
    };
    const json = (e: TarEntry) => JSON.parse(e.data.toString('utf8'));
    const backup = (namedEntries?: () => AsyncIterable<{ name: string; data: Buffer }>) =>
      createBackup({
        db,
        config: { managementGroup: group },
        storage,
        directory: dir,
        progress: { report: () => {} },
        namedEntries,
      });

    /** Verify and restore refuse with `code` and `message`; the target is left as it was. */
    async function refused(file: string, code: string, message: RegExp, o = options): Promise<void> {
      const check = (e: unknown) => {
        assert.ok(isSmgrError(e), `not an SmgrError: ${(e as Error)?.stack}`);
        assert.equal(e.code, code, e.message);
        assert.match(e.message, message);
        return true;
      };
      await assert.rejects(checkArchive(file, o), check);
      const url = await engine.newDatabaseUrl();
      await assert.rejects(restoreDatabase({ file, targetUrl: url, ...o }), check);
      if (engine.name === 'embedded') {
        assert.equal(
          fs.existsSync(url.slice('pglite:'.length)),
          false,
          'a refused restore leaves no directory',
        );
        return;
      }
      const target = await engine.open(url);
      try {
        assert.equal(await isEmptyDatabase(target), true, 'a refused restore commits nothing');
      } finally {
        await target.close();
      }
    }

    before(async () => {
      db = await engine.open(await engine.newDatabaseUrl());
      const prepared = await prepareServiceManager(db, path.join(dir, 'secure-storage'));
      group = prepared.group;
      storage = prepared.storage;
      await db.query(
        `INSERT INTO work_items (class, display_id, title, status)
         SELECT 'incident', 'IR' || g, 'Item ' || g, 'active' FROM generate_series(1, 200) g`,
      );
      await ensureBackupRecipient(db, storage, group.id);
      identity = storage.getBackupIdentity(group.id)!;
      const first = await backup();
      crafter = await openCrafter(fs.readFileSync(first.file), identity, storage, group);
      options = crafter.readOptions(group);
      second = await openEntries(fs.readFileSync((await backup()).file), identity);
    });
    after(async () => {
      await db.close();
      await engine.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    test('resealed for the recipient by someone without the key: its header names another age header', async () => {
      await refused(
        write('resealed.smbak', await sealEntries(crafter.entries, crafter.recipient)),
        'ARCHIVE_AUTHENTICATION_FAILED',
        /names another age header than its own/,
      );
    });

    test('forged with a key that is not the group key: the header MAC does not verify', async () => {
      const wrong = archiveAuthKey({
        keyId: crafter.auth.keyId,
        managementGroupId: group.id,
        kek: randomBytes(32),
      });
      const forged = crafter.entries.map((e) =>
        e.name === 'smbak/manifest.json'
          ? { name: e.name, data: Buffer.from(JSON.stringify({ ...json(e), note: 'x' })) }
          : e,
      );
      await refused(
        write('wrong-key.smbak', await sealEntries(forged, crafter.recipient, { auth: wrong })),
        'ARCHIVE_AUTHENTICATION_FAILED',
        /header's MAC does not verify: it was not written by a server of the group/,
      );
    });

    test('a manifest MAC that does not verify, and a manifest taken from another archive of the group', async () => {
      const badMac = crafter.entries.map((e) =>
        e.name === 'smbak/manifest.mac' ? { name: e.name, data: Buffer.from('0'.repeat(64)) } : e,
      );
      await refused(
        write(
          'bad-manifest-mac.smbak',
          await sealEntries(badMac, crafter.recipient, { auth: crafter.auth, keepManifest: true }),
        ),
        'ARCHIVE_AUTHENTICATION_FAILED',
        /manifest's MAC does not verify/,
      );
      // The other archive's manifest and MAC are genuine, but name that archive's header.
      const swapped = [...crafter.entries.slice(0, -2), ...second.slice(-2)];
      await refused(
        write(
          'other-manifest.smbak',
          await sealEntries(swapped, crafter.recipient, { auth: crafter.auth, keepManifest: true }),
        ),
        'ARCHIVE_AUTHENTICATION_FAILED',
        /its manifest belongs to another header/,
      );
    });

    test('the MAC entries missing', async () => {
      await refused(
        write('no-header-mac.smbak', await crafter.seal([crafter.entries[0]!, ...crafter.entries.slice(2)])),
        'ARCHIVE_AUTHENTICATION_FAILED',
        /header is not followed by its MAC/,
      );
      await refused(
        write('no-manifest-mac.smbak', await crafter.seal(crafter.entries.slice(0, -1))),
        'ARCHIVE_TRUNCATED',
        /manifest's MAC is missing/,
      );
    });

    test('without the key that authenticates it, the archive is refused naming the key', async () => {
      await refused(
        write('no-key.smbak', await crafter.seal(crafter.entries)),
        'ARCHIVE_KEY_MISSING',
        new RegExp(`authenticated by key ${crafter.auth.keyId} of management group "Test Group"`),
        { ...options, keks: [] },
      );
    });

    test('a version 1 archive (which anyone with the recipient can write): verify warns, restore refuses unless asked', async () => {
      const v1 = crafter.entries
        .filter((e) => !e.name.endsWith('.mac'))
        .map((e) => {
          if (!e.name.startsWith('smbak/') || !e.name.endsWith('.json')) return e;
          const { authentication: _a, headerMac: _h, entries: _e, ...rest } = json(e);
          return { name: e.name, data: Buffer.from(JSON.stringify({ ...rest, version: 1 })) };
        });
      const file = write('v1.smbak', await sealEntries(v1, crafter.recipient));
      const warnings: ProgressEvent[] = [];
      const checked = await checkArchive(file, options, {
        progress: { report: (e) => e.phase === 'warning' && warnings.push(e) },
      });
      assert.equal(checked.authenticated, false);
      assert.match(warnings[0]?.message ?? '', /format version 1: it cannot be authenticated/);
      const url = await engine.newDatabaseUrl();
      await assert.rejects(restoreDatabase({ file, targetUrl: url, ...options }), (e) => {
        assert.ok(isSmgrError(e) && e.code === 'ARCHIVE_UNAUTHENTICATED', String(e));
        assert.match(e.remedy, /--allow-unauthenticated/);
        return true;
      });
      const restored = await restoreDatabase({
        file,
        targetUrl: url,
        allowUnauthenticated: true,
        ...options,
      });
      assert.equal(restored.authenticated, false);
      assert.equal(restored.tables.find((t) => t.name === 'work_items')!.rows, 200);
    });

    test('named entries (format version 2) travel authenticated; one altered or unlisted is refused', async () => {
      const pack = { name: 'packs/Contoso.Incident.Extensions.json', data: Buffer.from('{"id":"x"}') };
      const result = await backup(async function* () {
        yield pack;
      });
      const seen: string[] = [];
      await checkArchive(result.file, options, {
        onEntry: async (name, data) => {
          seen.push(`${name} ${data.toString()}`);
        },
      });
      assert.deepEqual(seen, [`${pack.name} {"id":"x"}`]);
      const withPack = await openEntries(fs.readFileSync(result.file), identity);
      const altered = withPack.map((e) =>
        e.name === pack.name ? { name: e.name, data: Buffer.from('{"id":"y"}') } : e,
      );
      await refused(
        write('altered-entry.smbak', await crafter.seal(altered)),
        'ARCHIVE_MALFORMED',
        /does not match the manifest/,
      );
      const extra = [...crafter.entries.slice(0, -2), pack, ...crafter.entries.slice(-2)];
      await refused(
        write('unlisted-entry.smbak', await crafter.seal(extra)),
        'ARCHIVE_MALFORMED',
        /does not match the manifest/,
      );
    });
  });
}
