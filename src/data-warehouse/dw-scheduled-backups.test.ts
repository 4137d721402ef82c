/**
 * Scheduled backups of the data warehouse on both engines (dw-archive): each firing claims its
 * slot once, writes the DW's archive, verifies it and records it in backup_runs; retention keeps
 * what the policy says (never the newest verified archive) and logs every deletion in the DW's
 * audit log; prune by hand with --dry-run deletes nothing; a bad schedule is refused. With
 * backups.s3 (s3-recover) the same in a bucket (a real s3rver), with reader marks.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import pino from 'pino';
import S3rver from 's3rver';
import { jsonOut, runCli } from '../../test/support/cli.js';
import { ENGINES, tempDir } from '../../test/support/engines.js';
import { eventually } from '../../test/support/eventually.js';
import { listBackups } from '../backup/backup-catalog.js';
import { placeReaderMark, readerMarks } from '../backup/s3-reader-mark.js';
import { listS3Backups, parseS3Url, s3Client } from '../backup/s3-target.js';
import { homePaths } from '../computer/home.js';
import { readConfig, writeConfig } from '../config/config-file.js';
import { isSmgrError } from '../errors/smgr-error.js';
import { drillInChild } from '../recovery/drill-child.js';
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

    const home = homePaths(path.join(root, 'home'));
    const directory = path.join(root, 'backups');

    test('each slot once; archives verified and recorded; retention keeps the newest two, deletions logged', async () => {
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

        // s3-recover: with backups.s3 each archive is streamed into the bucket, checked from there,
        // and the bucket pruned; an archive with a live reader mark (FORMAT §5) is kept, a stale mark
        // deleted. A real s3rver; credentials from the SDK's chain (the environment).
        const store = path.join(root, `s3-${fx.name}`);
        fs.mkdirSync(store);
        const s3 = new S3rver({
          port: 0,
          address: '127.0.0.1',
          silent: true,
          directory: store,
          configureBuckets: [{ name: 'dw-sched' }],
        });
        const { port } = await s3.run();
        const s3env: Record<string, string> = {
          AWS_ACCESS_KEY_ID: 'S3RVER',
          AWS_SECRET_ACCESS_KEY: 'S3RVER',
          AWS_REGION: 'us-east-1',
          SMGR_S3_ENDPOINT: `http://127.0.0.1:${port}`,
        };
        const saved = Object.fromEntries(Object.keys(s3env).map((k) => [k, process.env[k]]));
        Object.assign(process.env, s3env);
        try {
          const bucket = 's3://dw-sched/dw';
          dw.config.backups = { schedule: '0 3 * * *', retention: { keepLast: 1 }, s3: { url: bucket } };
          const inBucket = new DwScheduledBackups(o);
          const fire = async (i: number) => {
            const r = await inBucket.fire(new Date(Date.UTC(2026, 10, 2, 3, 0, i)));
            const second = Math.floor(Date.now() / 1000);
            await eventually('the next second', async () => Math.floor(Date.now() / 1000) > second, {
              everyMs: 50,
            });
            return r!;
          };
          const client = s3Client();
          const listed = async () =>
            (await listS3Backups(client, parseS3Url(bucket))).map((b) => path.basename(b.file));
          const b1 = await fire(0);
          assert.deepEqual([b1.outcome, b1.verified, b1.pruned], ['ok', true, 0], JSON.stringify(b1));
          const reader = await placeReaderMark(client, `${bucket}/${b1.archive}`);
          assert.ok(reader.url, 'a reader mark put beside the archive');
          const b2 = await fire(1);
          assert.deepEqual([b2.outcome, b2.pruned], ['ok', 0], 'the archive being read is kept');
          assert.deepEqual(await listed(), [b2.archive, b1.archive]);
          await reader.release();
          const b3 = await fire(2);
          assert.deepEqual([b3.outcome, b3.pruned], ['ok', 2], JSON.stringify(b3));
          assert.deepEqual(await listed(), [b3.archive]);
          assert.equal(listBackups(directory).length, 2, 'nothing written to the local directory');
          const stale = `dw/${b3.archive}.reader-0011223344556677`;
          await client.send(
            new PutObjectCommand({
              Bucket: 'dw-sched',
              Key: stale,
              Body: JSON.stringify({
                format: 'smgr-archive-reader',
                version: 1,
                archive: b3.archive,
                expiresAt: new Date(Date.now() - 1000).toISOString(),
              }),
            }),
          );
          const pruned = await pruneDwBackups(dw, home, bucket, { dryRun: false, actor: 't' });
          assert.deepEqual(pruned.removed, []);
          assert.deepEqual(pruned.readers, { busy: [], staleMarksDeleted: [`s3://dw-sched/${stale}`] });
          assert.deepEqual((await readerMarks(client, parseS3Url(bucket))).busy.size, 0);
          assert.deepEqual(await listed(), [b3.archive]);
        } finally {
          for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
          }
          await s3.close();
        }
      } finally {
        await dw.close();
      }
    });

    // drill-child: the DW's archives are drilled (restored into a scratch embedded installation in a
    // child process, doctored, measured); the evidence shows in status --json; a corrupted archive's
    // drill fails loudly and makes the DW's readiness "no" with the remedy.
    test('a scheduled drill in a child process passes, its evidence in status --json; a corrupted archive: readiness no', async () => {
      const config = readConfig(home)!;
      config.parts['data-warehouse']!.backups = { schedule: '0 3 * * *', rpoMinutes: 60 };
      writeConfig(home, config);
      const ctx = { home, config, computerName: 'dw01', storage: SecureStorage.open(home.secureStorage) };
      const dw = (await dataWarehousePart.open(ctx)) as OpenedDataWarehouse;
      const pids: number[] = [];
      let run: Awaited<ReturnType<DwScheduledBackups['fire']>>;
      try {
        const s = new DwScheduledBackups({
          dw,
          home,
          configPath: home.config,
          computerName: 'dw01',
          directory,
          logger: quiet,
          backup: (d: string) => dw.backup({ directory: d, progress: { report: () => {} } }),
          drill: (archive, c) =>
            drillInChild({
              home,
              computerName: 'dw01',
              part: 'data-warehouse',
              file: archive.file,
              archiveCreatedAt: archive.createdAt,
              signal: c.signal,
              onStart: (pid) => pids.push(pid),
            }),
        });
        run = await s.fire(new Date(Date.UTC(2026, 10, 1, 3, 10, 0)));
        assert.equal(run?.outcome, 'ok', JSON.stringify(run));
        const drill = run!.drill!;
        assert.equal(drill.ok, true, JSON.stringify(drill));
        assert.equal(drill.kind, 'drill');
        assert.equal(drill.archive, run?.archive);
        assert.ok(drill.restoreMs! > 0 && drill.apiMs! > 0, 'restore and API times measured');
        assert.ok(drill.tablesChecked! >= 3 && drill.rowsChecked! > 0, 'the three databases counted');
        assert.equal(drill.doctorOk, true);
        assert.ok(drill.doctor!.some((c) => c.name === 'DW key (DWStagingAndConfig)' && c.state === 'pass'));
        assert.equal(pids.length, 1);
        assert.notEqual(pids[0], process.pid, 'the drill ran in a child process');
        const rows = await dw.staging.query<{ kind: string; ok: boolean }>(
          'SELECT kind, ok FROM archive_checks WHERE archive = $1 ORDER BY id',
          [run!.archive],
        );
        assert.deepEqual(
          rows.rows.map((r) => [r.kind, r.ok]),
          [
            ['verify', true],
            ['drill', true],
          ],
          'the evidence recorded once',
        );
      } finally {
        await dw.close();
      }
      const cli = { home: home.root, computerName: 'dw01' };
      const dwOf = (stdout: string) =>
        jsonOut(stdout).parts.find((p: { part: string }) => p.part === 'data-warehouse');
      const st = await runCli(['status', '--json'], cli);
      assert.equal(st.code, 0, st.stderr);
      const recovery = dwOf(st.stdout).recovery;
      assert.equal(recovery.lastDrill.ok, true, JSON.stringify(recovery));
      assert.equal(recovery.lastDrill.archive, run!.archive);
      assert.ok(recovery.lastDrill.rtoMs > 0, 'measured RTO');
      const passed = recovery.reasons.find((r: { check: string }) => r.check === 'drill');
      assert.equal(passed.ok, true);
      assert.match(passed.detail, /passed; measured RTO/);

      // A corrupted archive, drilled on demand (smgr drill on the DW computer): loud, recorded, readiness "no".
      const bad = path.join(root, 'corrupted.smbak');
      const bytes = fs.readFileSync(path.join(directory, run!.archive!));
      bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
      fs.writeFileSync(bad, bytes);
      const r = await runCli(['drill', bad, '--json'], cli);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.equal(jsonOut(r.stdout).error, 'DRILL_FAILED');
      const st2 = await runCli(['status', '--json'], cli);
      const rec2 = dwOf(st2.stdout).recovery;
      assert.equal(rec2.recoverable, false);
      assert.equal(rec2.lastDrill.archive, 'corrupted.smbak');
      assert.equal(rec2.lastDrill.ok, false);
      const failed = rec2.reasons.find((x: { check: string }) => x.check === 'drill');
      assert.equal(failed.ok, false);
      assert.match(failed.detail, /the last drill .* FAILED: /);
      assert.match(failed.remedy, /smgr drill/);
      const human = await runCli(['status'], cli);
      assert.match(
        human.stdout,
        /Recoverable now: +NO — .*the last drill .* FAILED: .*remedy: smgr backup verify/,
      );
      assert.match(human.stderr, /warning: Not recoverable now: .*the last drill/);
      const doctor = await runCli(['doctor', '--json'], cli);
      const c = jsonOut(doctor.stdout).checks.find((x: { name: string }) => x.name === 'recovery drill');
      assert.equal(c.state, 'warn');
      assert.match(c.remedy, /smgr drill/);
      assert.deepEqual(
        fs.readdirSync(root).filter((n) => n.includes('.reading-')),
        [],
        'no archive marker left',
      );
    });
  });
}
