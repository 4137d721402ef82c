/**
 * Bad archives (docs/FORMAT.md §2.5), on both engines: each refused with its
 * own code and message by verify and by restore, and a refused restore
 * commits nothing (an embedded target it created is removed again).
 * Archives are made from a real backup: opened into tar entries, changed,
 * and sealed again for the group's recipient (test/support/craft-archive.ts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { seededRandom } from '../../test/support/age-streams.js';
import { prepareServiceManager } from '../../test/support/api-fixture.js';
import {
  type ArchiveCrafter,
  openCrafter,
  rawTarHeader,
  type TarEntry,
} from '../../test/support/craft-archive.js';
import { ENGINES, tempDir } from '../../test/support/engines.js';
import type { Database } from '../db/database.js';
import { isEmptyDatabase } from '../db/migrate.js';
import { isSmgrError } from '../errors/smgr-error.js';
import { newBackupIdentity } from './age-stream.js';
import { ensureBackupRecipient } from './backup-recipient.js';
import { checkArchive } from './check-archive.js';
import { createBackup } from './create-backup.js';
import { restoreDatabase } from './restore-database.js';

const ARCHIVE_CODES = new Set([
  'ARCHIVE_NOT_AN_ARCHIVE',
  'ARCHIVE_VERSION',
  'ARCHIVE_MALFORMED',
  'ARCHIVE_TRUNCATED',
  'ARCHIVE_DAMAGED',
  'ARCHIVE_WRONG_IDENTITY',
  'ARCHIVE_OTHER_GROUP',
  'ARCHIVE_TABLE_MISMATCH',
  'ARCHIVE_AUTHENTICATION_FAILED',
]);

for (const makeEngine of ENGINES) {
  const engine = makeEngine();
  describe(`bad archives (${engine.name})`, () => {
    const dir = tempDir('smgr-bad-');
    let db: Database;
    let group: { id: string; name: string };
    let identity: string;
    let crafter: ArchiveCrafter;
    let good: Buffer;
    let entries: TarEntry[];

    const write = (name: string, bytes: Buffer) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, bytes);
      return file;
    };
    const json = (e: TarEntry) => JSON.parse(e.data.toString('utf8'));
    // biome-ignore lint/suspicious/noExplicitAny: the tests reach into the JSON to forge it
    const withJson = (e: TarEntry, change: (v: Record<string, any>) => void): TarEntry => {
      const v = json(e);
      change(v);
      return { name: e.name, data: Buffer.from(JSON.stringify(v)) };
    };

    /** Verify and restore both refuse with `code`; the restore target stays empty. */
    async function refused(
      file: string,
      code: string | Set<string>,
      message?: RegExp,
      ids = [identity],
    ): Promise<string> {
      const codes = typeof code === 'string' ? new Set([code]) : code;
      let seen = '';
      const options = { ...crafter.readOptions(group), identities: ids };
      await assert.rejects(checkArchive(file, options), (e) => {
        assert.ok(isSmgrError(e), `not an SmgrError: ${(e as Error)?.stack}`);
        assert.ok(codes.has(e.code), `${e.code}: ${e.message}`);
        if (message) assert.match(e.message, message);
        seen = e.code;
        return true;
      });
      const url = await engine.newDatabaseUrl();
      await assert.rejects(restoreDatabase({ file, targetUrl: url, ...options }), (e) => {
        assert.ok(isSmgrError(e) && codes.has(e.code), String(e));
        return true;
      });
      if (engine.name === 'embedded') {
        assert.equal(
          fs.existsSync(url.slice('pglite:'.length)),
          false,
          'a refused restore leaves no directory',
        );
        return seen;
      }
      const target = await engine.open(url);
      try {
        assert.equal(await isEmptyDatabase(target), true, 'a refused restore commits nothing');
      } finally {
        await target.close();
      }
      return seen;
    }

    before(async () => {
      db = await engine.open(await engine.newDatabaseUrl());
      const prepared = await prepareServiceManager(db, path.join(dir, 'secure-storage'));
      group = prepared.group;
      await db.query(
        `INSERT INTO work_items (class, display_id, title, description, status)
       SELECT 'incident', 'IR' || g, 'Item ' || g, repeat('text ', g % 50), 'active' FROM generate_series(1, 3000) g`,
      );
      await ensureBackupRecipient(db, prepared.storage, group.id);
      identity = prepared.storage.getBackupIdentity(group.id)!;
      const result = await createBackup({
        db,
        config: { managementGroup: group },
        storage: prepared.storage,
        directory: dir,
        progress: { report: () => {} },
      });
      good = fs.readFileSync(result.file);
      crafter = await openCrafter(good, identity, prepared.storage, group);
      entries = crafter.entries;
      assert.deepEqual(
        [entries[0]!.name, entries[1]!.name, entries.at(-2)!.name, entries.at(-1)!.name],
        ['smbak/header.json', 'smbak/header.mac', 'smbak/manifest.json', 'smbak/manifest.mac'],
      );
    });
    after(async () => {
      await db.close();
      await engine.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    test('the untouched archive verifies and re-sealed entries still do (the crafting is faithful)', async () => {
      const checked = await checkArchive(write('good.smbak', good), crafter.readOptions(group));
      assert.equal(checked.authenticated, true);
      await checkArchive(write('resealed.smbak', await crafter.seal(entries)), crafter.readOptions(group));
    });

    test('a flipped byte anywhere is refused', async () => {
      for (const at of [
        0,
        25,
        200,
        Math.floor(good.length / 3),
        Math.floor(good.length / 2),
        good.length - 17,
        good.length - 1,
      ]) {
        const bad = Buffer.from(good);
        bad[at]! ^= 0x40;
        await refused(write(`flip-${at}.smbak`, bad), ARCHIVE_CODES);
      }
    });

    test('truncation at several offsets is refused', async () => {
      const codes = new Set<string>();
      for (const at of [0, 10, 100, 300, Math.floor(good.length / 2), good.length - 100, good.length - 1]) {
        codes.add(await refused(write(`cut-${at}.smbak`, good.subarray(0, at)), ARCHIVE_CODES));
      }
      assert.ok(codes.has('ARCHIVE_TRUNCATED'), [...codes].join());
    });

    test('a manifest hash that does not match names the table', async () => {
      const forged = entries.map((e) =>
        e.name === 'smbak/manifest.json'
          ? withJson(e, (m) => {
              m.databases[0].tables.find((t: { name: string }) => t.name === 'work_items').sha256 =
                'a'.repeat(64);
            })
          : e,
      );
      await refused(
        write('hash.smbak', await crafter.seal(forged)),
        'ARCHIVE_TABLE_MISMATCH',
        /ServiceManager\.work_items/,
      );
    });

    test('a manifest row count that does not match names the table', async () => {
      const forged = entries.map((e) =>
        e.name === 'smbak/manifest.json'
          ? withJson(e, (m) => {
              m.databases[0].tables.find((t: { name: string }) => t.name === 'work_items').rows = 2999;
            })
          : e,
      );
      await refused(
        write('rows.smbak', await crafter.seal(forged)),
        'ARCHIVE_TABLE_MISMATCH',
        /3000 rows, the manifest says 2999/,
      );
    });

    test('an archive of another management group', async () => {
      const other = { id: '00000000-0000-4000-8000-00000000beef', name: 'Fabrikam' };
      const forged = entries.map((e) =>
        e.name.startsWith('smbak/') && e.name.endsWith('.json')
          ? withJson(e, (v) => {
              v.managementGroup = other;
            })
          : e,
      );
      await refused(
        write('other.smbak', await crafter.seal(forged)),
        'ARCHIVE_OTHER_GROUP',
        /"Fabrikam", not "Test Group"/,
      );
    });

    test('a wrong identity', async () => {
      const wrong = (await newBackupIdentity()).identity;
      await refused(write('good2.smbak', good), 'ARCHIVE_WRONG_IDENTITY', /does not open/, [wrong]);
    });

    test('a tar entry whose path climbs out is refused, naming it', async () => {
      const forged = [
        ...entries.slice(0, 2),
        { name: '../../etc/passwd', data: Buffer.from('root:x:0:0') },
        ...entries.slice(2),
      ];
      await refused(
        write('climb.smbak', await crafter.seal(forged)),
        'ARCHIVE_MALFORMED',
        /\.\.\/\.\.\/etc\/passwd/,
      );
    });

    test('a huge declared size is refused before the entry is read', async () => {
      const tail = Buffer.concat([
        rawTarHeader('db/ServiceManager/work_items/000000.copy.br', 7 * 1024 ** 3),
        Buffer.alloc(2 * 1024 * 1024),
      ]);
      await refused(
        write('huge.smbak', await crafter.seal(entries.slice(0, 2), tail)),
        'ARCHIVE_MALFORMED',
        /declares 7516192768 bytes/,
      );
    });

    test('another format version is refused first', async () => {
      const forged = entries.map((e) =>
        e.name === 'smbak/header.json'
          ? withJson(e, (h) => {
              h.version = 4;
            })
          : e,
      );
      await refused(
        write('v4.smbak', await crafter.seal(forged)),
        'ARCHIVE_VERSION',
        /format version 4; this smgr reads version 1 or 2 or 3/,
      );
    });

    test('an archive without its manifest is truncated; a file that is not age is not an archive', async () => {
      await refused(
        write('nomanifest.smbak', await crafter.seal(entries.slice(0, -2))),
        'ARCHIVE_TRUNCATED',
        /manifest is missing/,
      );
      await refused(write('text.smbak', Buffer.from('hello, world\n')), 'ARCHIVE_NOT_AN_ARCHIVE');
    });

    test('slices out of order are refused', async () => {
      const slices = entries.filter((e) => e.name.startsWith('db/'));
      assert.ok(slices.length >= 2);
      const swapped = [...entries.slice(0, 2), ...slices.reverse(), ...entries.slice(-2)];
      await refused(
        write('order.smbak', await crafter.seal(swapped)),
        'ARCHIVE_MALFORMED',
        /out of order|out of sequence/,
      );
    });

    test('fuzz: 150 random mutations of the archive are each refused with an archive code', async () => {
      const random = seededRandom(Number(process.env.SMGR_FUZZ_SEED ?? 20261125));
      const file = path.join(dir, 'fuzz.smbak');
      for (let i = 0; i < 150; i++) {
        const bad = Buffer.from(good);
        const kind = Math.floor(random() * 3);
        const at = Math.floor(random() * good.length);
        let mutated: Buffer;
        if (kind === 0) {
          bad[at]! ^= 1 + Math.floor(random() * 255);
          mutated = bad;
        } else if (kind === 1) mutated = bad.subarray(0, at);
        else
          mutated = Buffer.concat([
            bad.subarray(0, at),
            Buffer.from([Math.floor(random() * 256)]),
            bad.subarray(at),
          ]);
        fs.writeFileSync(file, mutated);
        await assert.rejects(checkArchive(file, crafter.readOptions(group)), (e) => {
          assert.ok(
            isSmgrError(e) && ARCHIVE_CODES.has(e.code),
            `mutation ${i} (${kind} at ${at}): ${String(e)}`,
          );
          return true;
        });
      }
    });
  });
}
