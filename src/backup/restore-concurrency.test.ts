/**
 * Restores that meet other writers of their target (issue 15), on a
 * PostgreSQL server (PGlite admits one process at a time): two restores into
 * one empty database — one wins whole, the other is told the target is not
 * empty; a session that creates a table in the target while a restore runs —
 * the restore is refused and that session's table is left as it was; the
 * staging schema a killed restore left behind is removed by the next one.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { prepareServiceManager } from '../../test/support/api-fixture.js';
import { serverFixture, tempDir } from '../../test/support/engines.js';
import type { Database } from '../db/database.js';
import { isSmgrError } from '../errors/smgr-error.js';
import { keksOfStorage } from './archive-keys.js';
import { ensureBackupRecipient } from './backup-recipient.js';
import { createBackup } from './create-backup.js';
import type { ProgressEvent } from './progress.js';
import type { ReadArchiveOptions } from './read-archive.js';
import { restoreDatabase } from './restore-database.js';

const ROWS = 30_000;

describe('restores meeting other writers (server)', () => {
  const engine = serverFixture();
  const dir = tempDir('smgr-rc-');
  let source: Database;
  let file: string;
  let options: ReadArchiveOptions;

  const counts = async (db: Database) =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM work_items')).rows[0]!.n;
  const stagingSchemas = async (db: Database) =>
    (await db.query("SELECT 1 FROM pg_namespace WHERE nspname LIKE 'smgr_restore_%'")).rowCount;

  before(async () => {
    source = await engine.open(await engine.newDatabaseUrl());
    const prepared = await prepareServiceManager(source, path.join(dir, 'secure-storage'));
    await source.query(
      `INSERT INTO work_items (class, display_id, title, description, status)
       SELECT 'incident', 'IR' || g, 'Item ' || g, repeat(md5(g::text), 20), 'active' FROM generate_series(1, $1::int) g`,
      [ROWS],
    );
    await ensureBackupRecipient(source, prepared.storage, prepared.group.id);
    const identity = prepared.storage.getBackupIdentity(prepared.group.id)!;
    options = {
      identities: [identity],
      expectedGroup: prepared.group,
      keks: keksOfStorage(prepared.storage),
    };
    file = (
      await createBackup({
        db: source,
        config: { managementGroup: prepared.group },
        storage: prepared.storage,
        directory: dir,
        progress: { report: () => {} },
      })
    ).file;
  });
  after(async () => {
    await source.close();
    await engine.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('two restores into one empty database: one restores whole, the other gets RESTORE_TARGET_NOT_EMPTY', async () => {
    const url = await engine.newDatabaseUrl();
    const outcomes = await Promise.allSettled([
      restoreDatabase({ file, targetUrl: url, jobs: 2, ...options }),
      restoreDatabase({ file, targetUrl: url, jobs: 2, ...options }),
    ]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o) => o.status === 'rejected') as PromiseRejectedResult[];
    assert.equal(won.length, 1, JSON.stringify(outcomes.map((o) => o.status)));
    assert.ok(
      isSmgrError(lost[0]!.reason) && lost[0]!.reason.code === 'RESTORE_TARGET_NOT_EMPTY',
      String(lost[0]!.reason),
    );
    const target = await engine.open(url);
    try {
      assert.equal(await counts(target), ROWS);
      assert.equal(await stagingSchemas(target), 0);
    } finally {
      await target.close();
    }
  });

  test('one restore in one transaction and one over several connections: the same', async () => {
    const url = await engine.newDatabaseUrl();
    const outcomes = await Promise.allSettled([
      restoreDatabase({ file, targetUrl: url, jobs: 1, ...options }),
      restoreDatabase({ file, targetUrl: url, jobs: 2, ...options }),
    ]);
    assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
    const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    assert.equal(lost.reason.code, 'RESTORE_TARGET_NOT_EMPTY');
    const target = await engine.open(url);
    try {
      assert.equal(await counts(target), ROWS);
    } finally {
      await target.close();
    }
  });

  test('a session that creates a table in the target during the restore: refused, its table left as it was', async () => {
    const url = await engine.newDatabaseUrl();
    const other = await engine.open(url);
    try {
      let wrote: Promise<unknown> | undefined;
      const progress = {
        report: (e: ProgressEvent) => {
          // Once rows are loading into the staging schema, another session writes into the target.
          if (!wrote && e.phase === 'table' && e.table === 'work_items') {
            wrote = other.exec('CREATE TABLE intruder (id int); INSERT INTO intruder VALUES (42);');
          }
        },
      };
      await assert.rejects(restoreDatabase({ file, targetUrl: url, jobs: 2, progress, ...options }), (e) => {
        assert.ok(isSmgrError(e), String(e));
        assert.equal(e.code, 'RESTORE_TARGET_NOT_EMPTY');
        return true;
      });
      await wrote;
      const tables = await other.query<{ tablename: string }>(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
      );
      assert.deepEqual(
        tables.rows.map((r) => r.tablename),
        ['intruder'],
      );
      assert.deepEqual((await other.query('SELECT id FROM intruder')).rows, [{ id: 42 }]);
      assert.equal(await stagingSchemas(other), 0);
    } finally {
      await other.close();
    }
  });

  test('the staging schema of a killed restore is removed by the next restore, which succeeds', async () => {
    const url = await engine.newDatabaseUrl();
    const target = await engine.open(url);
    try {
      await target.exec(
        'CREATE SCHEMA smgr_restore_deadbeef0001; CREATE TABLE smgr_restore_deadbeef0001.work_items (id int);',
      );
      const steps: string[] = [];
      await restoreDatabase({
        file,
        targetUrl: url,
        jobs: 2,
        progress: { report: (e) => e.message && steps.push(e.message) },
        ...options,
      });
      assert.ok(
        steps.some((s) => /removing smgr_restore_deadbeef0001, left by an interrupted restore/.test(s)),
        steps.join('\n'),
      );
      assert.equal(await stagingSchemas(target), 0);
      assert.equal(await counts(target), ROWS);
    } finally {
      await target.close();
    }
  });
});
