/**
 * The data warehouse's archive (docs/FORMAT.md §2.12) on both engines: backup of
 * the three databases, verify, restore into three new databases (ordered dumps compared); a
 * restore refused (a target not empty, another part's archive, the same URL twice) changes no
 * database; a second run of a restore whose commits were cut short finishes it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { type EngineFixture, embeddedFixture, serverFixture, tempDir } from '../../test/support/engines.js';
import { dumpDatabaseAt } from '../../test/support/snapshot.js';
import { archiveKeys } from '../backup/archive-keys.js';
import { checkArchive } from '../backup/check-archive.js';
import { homePaths } from '../computer/home.js';
import { readConfig } from '../config/config-file.js';
import { isSmgrError } from '../errors/smgr-error.js';
import { SecureStorage } from '../secure-storage/secure-storage.js';
import { dataWarehousePart, type OpenedDataWarehouse } from './data-warehouse-part.js';
import type { DwDatabaseRole } from './dw-databases.js';
import type { JobTally } from './dw-job-run.js';
import { loadAll } from './load-job.js';
import { restoreDataWarehouse } from './restore-dw.js';
import { setupNewDw } from './setup-new-dw.js';
import { transformAll } from './transform-job.js';

const quiet = { report: () => {} };
const ROLES: DwDatabaseRole[] = ['staging', 'repository', 'datamart'];
/** The URLs of the other two databases: dw_group names those the restore filled. */
const LEFT_OUT = ['dw_group.repository_database', 'dw_group.datamart_database', 'smgr_schema.applied_at'];

const pairs: Array<[() => EngineFixture, () => EngineFixture]> = [
  [embeddedFixture, embeddedFixture],
  [serverFixture, serverFixture],
];

async function newUrls(fx: EngineFixture): Promise<Record<DwDatabaseRole, string>> {
  return {
    staging: await fx.newDatabaseUrl(),
    repository: await fx.newDatabaseUrl(),
    datamart: await fx.newDatabaseUrl(),
  };
}

/**
 * Staged work items with awkward text, then the real Transform and Load jobs: every database of
 * the DW holds rows in the schema the jobs write (dw-etl), and the extract watermark is set.
 */
async function fill(dw: OpenedDataWarehouse, n: number): Promise<void> {
  const at = '2026-11-10T10:00:00.000Z';
  for (let i = 1; i <= n; i++) {
    const data = JSON.stringify({
      id: i,
      class: 'incident',
      display_id: `IR${i}`,
      title: `Item ${i}\twith "quotes" and ünïcode ✓`,
      description: 'x'.repeat(i),
      priority: 2,
      status: 'active',
      assigned_to: null,
      affected_user: null,
      properties: {},
      created_at: at,
      updated_at: at,
      resolve_by: null,
      breached_at: null,
    });
    await dw.staging.query(
      `INSERT INTO staging_work_items (position, op, entity_id, changed_at, data, run_id)
       VALUES ($1, 'insert', $2, $3, $4, 1)`,
      [`2-${1000 + i}-${i}`, i, at, data],
    );
  }
  const tally = (): JobTally => ({ rows: 0, batches: 0, watermark: null });
  const common = {
    staging: dw.staging,
    repository: dw.repository,
    dwName: 'T',
    batchSize: 7,
    progress: quiet,
  };
  await transformAll(common, tally());
  await loadAll({ ...common, datamart: dw.datamart, retentionDays: 3 * 365 }, tally());
  await dw.staging.query(
    "INSERT INTO watermarks (job, position, source_group_id) VALUES ('extract', $1, gen_random_uuid())",
    [`2-${1000 + n}-${n}`],
  );
  const loaded = await dw.datamart.query<{ n: number }>('SELECT count(*)::int AS n FROM work_item_dim');
  assert.equal(loaded.rows[0]?.n, n, 'the Load job filled the data mart');
}

async function dumps(urls: Record<DwDatabaseRole, string>): Promise<string[]> {
  const out: string[] = [];
  for (const r of ROLES) out.push(await dumpDatabaseAt(urls[r], LEFT_OUT));
  return out;
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isSmgrError(e)) return e.code;
    throw e;
  }
  throw new Error('expected a refusal');
}

for (const [from, to] of pairs) {
  const source = from();
  const target = to();
  describe(`DW archive: ${source.name} → ${target.name}`, () => {
    const root = tempDir('smgr-dw-archive-');
    after(async () => {
      await source.cleanup();
      await target.cleanup();
      fs.rmSync(root, { recursive: true, force: true });
    });

    test('backup, verify, restore: every row of the three databases identical; refusals change nothing; a cut-short restore finishes', async () => {
      const home = homePaths(path.join(root, 'home'));
      const urls = await newUrls(source);
      await setupNewDw({
        home,
        computerName: 'dw01',
        groupName: 'Contoso DW',
        adminUser: 'dwadmin',
        adminPassword: 'dw-admin-pass-1',
        urls,
      });
      const ctx = {
        home,
        config: readConfig(home)!,
        computerName: 'dw01',
        storage: SecureStorage.open(home.secureStorage),
      };
      const dw = (await dataWarehousePart.open(ctx)) as OpenedDataWarehouse;
      let file: string;
      try {
        await fill(dw, 60);
        const archive = await dw.backup({ directory: path.join(root, 'backups'), progress: quiet });
        file = archive.file;
        assert.match(path.basename(file), /^Contoso-DW-\d{8}T\d{6}Z\.smbak$/);
        assert.deepEqual(
          archive.databases.map((d) => d.name),
          ['DWStagingAndConfig', 'DWRepository', 'DWDataMart'],
        );
      } finally {
        await dw.close();
      }
      const keys = archiveKeys(home, undefined, 'data-warehouse');
      const checked = await checkArchive(file, keys);
      assert.equal(checked.header.version, 3);
      assert.equal(checked.header.part, 'data-warehouse');
      assert.equal(checked.authenticated, true);
      assert.match(checked.header.authentication!.keyId, /^dw-/);
      const summary = JSON.parse(fs.readFileSync(`${file}.json`, 'utf8'));
      assert.equal(summary.part, 'data-warehouse');

      // Refusals: one target not empty, the same URL twice. Nothing changes anywhere.
      const into = await newUrls(target);
      const busy = await target.open(into.datamart);
      await busy.query('CREATE TABLE something_else (id int)');
      await busy.close();
      const before = await dumps(into);
      assert.equal(
        await code(restoreDataWarehouse({ ...keys, file, urls: into })),
        'RESTORE_TARGET_NOT_EMPTY',
      );
      assert.equal(
        await code(restoreDataWarehouse({ ...keys, file, urls: { ...into, repository: into.staging } })),
        'DW_RESTORE_TARGETS_SAME',
      );
      // A damaged archive (one byte flipped in the middle): refused, nothing written.
      const damaged = path.join(root, 'damaged.smbak');
      const bytes = fs.readFileSync(file);
      bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
      fs.writeFileSync(damaged, bytes);
      assert.match(
        await code(
          restoreDataWarehouse({
            ...keys,
            file: damaged,
            urls: { ...into, datamart: await target.newDatabaseUrl() },
          }),
        ),
        /^ARCHIVE_(DAMAGED|MALFORMED|TABLE_MISMATCH)$/,
      );
      assert.deepEqual(await dumps(into), before);
      const fresh = await target.open(into.datamart);
      await fresh.query('DROP TABLE something_else');
      await fresh.close();

      const result = await restoreDataWarehouse({ ...keys, file, urls: into });
      assert.deepEqual(
        result.databases.map((d) => [d.name, d.restored]),
        [
          ['DWStagingAndConfig', true],
          ['DWRepository', true],
          ['DWDataMart', true],
        ],
      );
      assert.deepEqual(await dumps(into), await dumps(urls));
      const staging = await target.open(into.staging);
      try {
        const g = await staging.query<{ r: string; c: string | null }>(
          "SELECT repository_database AS r, obj_description('public'::regnamespace, 'pg_namespace') AS c FROM dw_group",
        );
        assert.equal(g.rows[0]!.r, into.repository, 'dw_group names the restored DWRepository');
        assert.ok(!g.rows[0]!.c?.startsWith('smgr-restore'), 'the marker is gone once all three committed');
      } finally {
        await staging.close();
      }
      // Restored once: a second restore into the same databases is refused, changing nothing.
      const done = await dumps(into);
      assert.equal(
        await code(restoreDataWarehouse({ ...keys, file, urls: into })),
        'RESTORE_TARGET_NOT_EMPTY',
      );
      assert.deepEqual(await dumps(into), done);

      // A run cut short between its commits (DWDataMart committed, the others not): the same restore
      // again fills the other two and leaves the committed one as it is.
      const cut = await newUrls(target);
      await restoreDataWarehouse({ ...keys, file, urls: { ...cut } });
      const comment = dwMarker(file);
      for (const role of ['staging', 'repository'] as const) {
        const db = await target.open(cut[role]);
        await db.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
        await db.close();
      }
      const mart = await target.open(cut.datamart);
      await mart.query(`COMMENT ON SCHEMA public IS '${comment.replace(/'/g, "''")}'`);
      await mart.close();
      const resumed = await restoreDataWarehouse({ ...keys, file, urls: cut });
      assert.deepEqual(
        resumed.databases.map((d) => d.restored),
        [true, true, false],
      );
      assert.deepEqual(await dumps(cut), await dumps(urls));
    });
  });
}

/** The marker a restore of `file` writes (FORMAT §2.12): `smgr-restore <SHA-256 of the age header>`. */
function dwMarker(file: string): string {
  const bytes = fs.readFileSync(file);
  const headerEnd = bytes.indexOf('\n', bytes.indexOf('\n---') + 1) + 1;
  return `smgr-restore ${createHash('sha256').update(bytes.subarray(0, headerEnd)).digest('hex')}\n`;
}
