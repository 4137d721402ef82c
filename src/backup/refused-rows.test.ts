/**
 * Archives that are whole (every hash and count matches its manifest) but
 * hold rows their schema refuses, or a header that lies about its schema
 * version (issue 15): `backup verify` passes them (it checks integrity and
 * authenticity, not rows against the schema: the docs say so), and restore
 * refuses them with ARCHIVE_MALFORMED naming the table — never INTERNAL —
 * leaving the target as it was. On both engines, so both restore paths
 * (one transaction on PGlite, staging over several connections on a server).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { prepareServiceManager } from '../../test/support/api-fixture.js';
import { type ArchiveCrafter, openCrafter, type TarEntry } from '../../test/support/craft-archive.js';
import { ENGINES, tempDir } from '../../test/support/engines.js';
import type { Database } from '../db/database.js';
import { isEmptyDatabase } from '../db/migrate.js';
import { isSmgrError } from '../errors/smgr-error.js';
import { ensureBackupRecipient } from './backup-recipient.js';
import { checkArchive } from './check-archive.js';
import { createBackup } from './create-backup.js';
import { restoreDatabase } from './restore-database.js';

/** Rewrites one table's (single) slice and puts its new counts and hash into the manifest: the archive stays whole. */
function withRows(entries: TarEntry[], table: string, change: (text: string) => string): TarEntry[] {
  const prefix = `db/ServiceManager/${table}/`;
  const slices = entries.filter((e) => e.name.startsWith(prefix));
  assert.equal(slices.length, 1, `${table} has one slice`);
  const text = change(zlib.brotliDecompressSync(slices[0]!.data).toString('latin1'));
  const plain = Buffer.from(text, 'latin1');
  return entries.map((e) => {
    if (e.name === slices[0]!.name) return { name: e.name, data: zlib.brotliCompressSync(plain) };
    if (e.name !== 'smbak/manifest.json') return e;
    const m = JSON.parse(e.data.toString('utf8'));
    const t = m.databases[0].tables.find((x: { name: string }) => x.name === table);
    t.rows = text.split('\n').length - 1;
    t.bytes = plain.length;
    t.sha256 = createHash('sha256').update(plain).digest('hex');
    t.compressedBytes = 0;
    return { name: e.name, data: Buffer.from(JSON.stringify(m)) };
  });
}

for (const makeEngine of ENGINES) {
  const engine = makeEngine();
  describe(`whole archives with rows the schema refuses (${engine.name})`, () => {
    const dir = tempDir('smgr-rows-');
    let db: Database;
    let group: { id: string; name: string };
    let identity: string;
    let crafter: ArchiveCrafter;

    async function refusedOnRestore(name: string, entries: TarEntry[], message: RegExp): Promise<void> {
      const file = path.join(dir, name);
      fs.writeFileSync(file, await crafter.seal(entries));
      // Integrity and authenticity hold: verify passes.
      await checkArchive(file, crafter.readOptions(group));
      const url = await engine.newDatabaseUrl();
      await assert.rejects(restoreDatabase({ file, targetUrl: url, ...crafter.readOptions(group) }), (e) => {
        assert.ok(isSmgrError(e), `not an SmgrError: ${(e as Error)?.stack}`);
        assert.equal(e.code, 'ARCHIVE_MALFORMED', e.message);
        assert.match(e.message, message);
        return true;
      });
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
        const staging = await target.query("SELECT 1 FROM pg_namespace WHERE nspname LIKE 'smgr_restore_%'");
        assert.equal(staging.rowCount, 0, 'no staging schema is left');
      } finally {
        await target.close();
      }
    }

    before(async () => {
      db = await engine.open(await engine.newDatabaseUrl());
      const prepared = await prepareServiceManager(db, path.join(dir, 'secure-storage'));
      group = prepared.group;
      await db.query(
        `INSERT INTO work_items (class, display_id, title, description, status)
         SELECT 'incident', 'IR' || g, 'Item ' || g, repeat('text ', g % 50), 'active' FROM generate_series(1, 500) g`,
      );
      await db.query(
        `INSERT INTO work_item_history (work_item_id, actor, change)
         SELECT g, 'admin', '{"field": "status"}' FROM generate_series(1, 20) g`,
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
      crafter = await openCrafter(fs.readFileSync(result.file), identity, prepared.storage, group);
    });
    after(async () => {
      await db.close();
      await engine.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    test('a duplicate key', async () => {
      const entries = withRows(crafter.entries, 'work_items', (t) => t + t.slice(0, t.indexOf('\n') + 1));
      await refusedOnRestore('dup.smbak', entries, /table ServiceManager\.work_items holds a duplicate key/);
    });

    test('a reference to a missing row', async () => {
      const entries = withRows(crafter.entries, 'work_item_history', (t) =>
        t.replace(/^(\d+)\t\d+\t/, '$1\t999999\t'),
      );
      await refusedOnRestore(
        'fk.smbak',
        entries,
        /table ServiceManager\.work_item_history holds a reference to a missing row \(constraint work_item_history_work_item_id_fkey\)/,
      );
    });

    test('a NUL byte', async () => {
      const entries = withRows(crafter.entries, 'work_items', (t) => t.replace('Item 7', 'Item\u00007'));
      await refusedOnRestore(
        'nul.smbak',
        entries,
        /table ServiceManager\.work_items holds bytes that are not UTF-8/,
      );
    });

    test('a column too many', async () => {
      const entries = withRows(crafter.entries, 'work_items', (t) => t.replace('\n', '\textra\n'));
      await refusedOnRestore(
        'extra.smbak',
        entries,
        /table ServiceManager\.work_items holds a row with more or fewer columns/,
      );
    });

    test('a header that says another schema version than its tables have', async () => {
      const entries = crafter.entries.map((e) => {
        if (!e.name.startsWith('smbak/') || !e.name.endsWith('.json')) return e;
        const v = JSON.parse(e.data.toString('utf8'));
        v.databases[0].schemaVersion = 2;
        return { name: e.name, data: Buffer.from(JSON.stringify(v)) };
      });
      await refusedOnRestore('version.smbak', entries, /header says ServiceManager schema version 2, but/);
    });
  });
}
