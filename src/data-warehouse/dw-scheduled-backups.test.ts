/**
 * Scheduled backups of the data warehouse on both engines (dw-archive): each firing claims its
 * slot once, writes the DW's archive, verifies it and records it in backup_runs; retention keeps
 * what the policy says (never the newest verified archive) and logs every deletion in the DW's
 * audit log; prune by hand with --dry-run deletes nothing; a bad schedule is refused.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import pino from 'pino';
import { ENGINES, tempDir } from '../../test/support/engines.js';
import { eventually } from '../../test/support/eventually.js';
import { listBackups } from '../backup/backup-catalog.js';
import { homePaths } from '../computer/home.js';
import { readConfig } from '../config/config-file.js';
import { isSmgrError } from '../errors/smgr-error.js';
import { SecureStorage } from '../secure-storage/secure-storage.js';
import { dataWarehousePart, type OpenedDataWarehouse } from './data-warehouse-part.js';
import { DwScheduledBackups, pruneDwBackups } from './dw-scheduled-backups.js';
import { setupNewDw } from './setup-new-dw.js';

const quiet = pino({ level: 'silent' });

for (const makeFixture of ENGINES) {
  const fx = makeFixture();
  describe(`scheduled backups of the data warehouse (${fx.name})`, () => {
    const root = tempDir('smgr-dw-sched-');
    after(async () => {
      await fx.cleanup();
      fs.rmSync(root, { recursive: true, force: true });
    });

    test('each slot once; archives verified and recorded; retention keeps the newest two, deletions logged', async () => {
      const home = homePaths(path.join(root, 'home'));
      await setupNewDw({
        home,
        computerName: 'dw01',
        groupName: 'Sched DW',
        adminUser: 'dwadmin',
        adminPassword: 'dw-admin-pass-1',
        urls: {
          staging: await fx.newDatabaseUrl(),
          repository: await fx.newDatabaseUrl(),
          datamart: await fx.newDatabaseUrl(),
        },
      });
      const config = readConfig(home)!;
      config.parts['data-warehouse']!.backups = { schedule: '0 3 * * *', retention: { keepLast: 2 } };
      const ctx = { home, config, computerName: 'dw01', storage: SecureStorage.open(home.secureStorage) };
      const dw = (await dataWarehousePart.open(ctx)) as OpenedDataWarehouse;
      const directory = path.join(root, 'backups');
      try {
        const o = {
          dw,
          home,
          configPath: home.config,
          computerName: 'dw01',
          directory,
          logger: quiet,
          backup: (d: string) => dw.backup({ directory: d, progress: { report: () => {} } }),
        };
        assert.throws(
          () =>
            new DwScheduledBackups({
              ...o,
              dw: { ...dw, config: { ...dw.config, backups: { schedule: 'nope' } } },
            }),
          (e: unknown) => isSmgrError(e) && e.code === 'BACKUP_SCHEDULE_INVALID',
        );
        const s = new DwScheduledBackups(o);
        const runs = [];
        for (let i = 0; i < 4; i++) {
          // Archive names have a one-second resolution: one slot per second.
          const slot = new Date(Date.UTC(2026, 10, 1, 3, 0, i));
          runs.push(await s.fire(slot));
          assert.equal(await s.fire(slot), undefined, 'a slot runs once');
          const second = Math.floor(Date.now() / 1000);
          await eventually('the next second', async () => Math.floor(Date.now() / 1000) > second, {
            everyMs: 50,
          });
        }
        assert.deepEqual(
          runs.map((r) => [r?.outcome, r?.verified, r?.pruned]),
          [
            ['ok', true, 0],
            ['ok', true, 0],
            ['ok', true, 1],
            ['ok', true, 1],
          ],
          JSON.stringify(runs),
        );
        const kept = listBackups(directory).map((b) => path.basename(b.file));
        assert.deepEqual(kept, [runs[3]!.archive, runs[2]!.archive]);
        const recorded = await dw.staging.query<{ archive: string; verified: boolean; outcome: string }>(
          'SELECT archive, verified, outcome FROM backup_runs ORDER BY slot',
        );
        assert.deepEqual(
          recorded.rows.map((r) => [r.archive, r.verified, r.outcome]),
          runs.map((r) => [r!.archive, true, 'ok']),
        );
        const log = await dw.staging.query<{ target: string }>(
          "SELECT target FROM audit_log WHERE action = 'backup.prune' ORDER BY id",
        );
        assert.deepEqual(
          log.rows.map((r) => r.target),
          [runs[0]!.archive, runs[1]!.archive],
        );
        // By hand: keep one; --dry-run deletes nothing and says what it would.
        dw.config.backups!.retention = { keepLast: 1 };
        const dry = await pruneDwBackups(dw, home, directory, { dryRun: true, actor: 't' });
        assert.deepEqual(
          dry.removed.map((r) => path.basename(r.file)),
          [runs[2]!.archive],
        );
        assert.equal(listBackups(directory).length, 2);
      } finally {
        await dw.close();
      }
    });
  });
}
