/**
 * The recovery dashboard's data on both engines: a new group answers "no"
 * with the key step first ("the key of ms-test-1 ... was never backed up:
 * run smgr key backup"), key state per key and computer, no timeline points
 * and doctor "not available"; then backups and drills of the last 30 days
 * (an older one left out) with size, duration, pass/fail and RTO; the
 * doctor result of the last drill; and the archive/drill steps in turn
 * until nothing applies.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { prepareServiceManager, TEST_COMPUTER } from '../../../test/support/api-fixture.js';
import { ENGINES, tempDir } from '../../../test/support/engines.js';
import { recordKeyBackup } from '../../keys/key-records.js';
import { type ArchiveCheck, recordArchiveCheck } from '../../recovery/archive-checks.js';
import { assessReadiness } from '../../recovery/readiness.js';
import { readRecoveryDashboard } from './recovery-dashboard.js';

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000);
const drill = (o: Partial<ArchiveCheck>): ArchiveCheck => ({
  kind: 'drill',
  ok: true,
  archive: `G-${Math.random().toString(36).slice(2)}.smbak`,
  archiveCreatedAt: ago(10).toISOString(),
  computerName: TEST_COMPUTER,
  startedAt: ago(9).toISOString(),
  ...o,
});

for (const engine of ENGINES) {
  describe(`recovery dashboard data (${engine().name})`, () => {
    test('readiness, key state, timeline, doctor and the runbook step', async () => {
      const fx = engine();
      const db = await fx.open(await fx.newDatabaseUrl());
      try {
        const { keyId } = await prepareServiceManager(db, path.join(tempDir(), 'ss'));
        const config = { backups: { rpoMinutes: 60, rtoMinutes: 5 } };
        const read = () => readRecoveryDashboard(db, () => assessReadiness(db, config));

        let d = await read();
        assert.equal(d.readiness?.recoverable, false);
        assert.deepEqual(
          d.keys.map((k) => [k.keyId, k.keyPart, k.state, k.computers.map((c) => c.computerName)]),
          [[keyId, 'management-group', 'never', [TEST_COMPUTER]]],
        );
        assert.equal(d.timeline?.backups.length, 0);
        assert.equal(d.timeline?.drills.length, 0);
        assert.equal(d.doctor, null);
        assert.match(
          d.step!.problem,
          new RegExp(`The key of ${TEST_COMPUTER} .*${keyId}.* was never backed up`),
        );
        assert.match(d.step!.action, new RegExp(`Run smgr key backup on ${TEST_COMPUTER}`));
        assert.equal(d.step!.on, TEST_COMPUTER);

        await recordKeyBackup(db, [keyId]);
        d = await read();
        assert.equal(d.keys[0]!.state, 'backed-up');
        assert.match(d.step!.problem, /No archive has been verified/);
        assert.equal(d.step!.command, 'smgr backup create');

        // Scheduled backups: one of 40 days ago (outside), one ok, one failed; drills: an old one, a pass, a fail.
        for (const [slotMin, outcome, size, tookS] of [
          [40 * 1440, 'ok', 1000, 3],
          [120, 'ok', 2_500_000, 7],
          [60, 'failed', null, 2],
        ] as const) {
          const slot = ago(slotMin); // once: two calls a millisecond apart made 7001 ms
          await db.query(
            `INSERT INTO backup_runs (slot, holder, token, started_at, finished_at, outcome, archive, size, error)
             VALUES ($1, $2, 1, $1, $3, $4, $5, $6, $7)`,
            [
              slot,
              TEST_COMPUTER,
              new Date(slot.getTime() + tookS * 1000),
              outcome,
              outcome === 'ok' ? `G-${slotMin}.smbak` : null,
              size,
              outcome === 'failed' ? 'disk full' : null,
            ],
          );
        }
        d = await read();
        assert.deepEqual(
          d.timeline!.backups.map((b) => [b.outcome, b.sizeBytes, b.durationMs]),
          [
            ['ok', 2_500_000, 7000],
            ['failed', null, null],
          ],
        );
        assert.match(d.step!.problem, /last scheduled backup .* failed: disk full/);

        await recordArchiveCheck(
          db,
          drill({
            ok: false,
            error: 'restore failed',
            doctorOk: false,
            doctor: [{ name: 'keys', state: 'fail' }],
          }),
        );
        await recordArchiveCheck(
          db,
          drill({
            restoreMs: 1500,
            apiMs: 500,
            doctorOk: true,
            doctor: [{ name: 'keys', state: 'pass' }],
          }),
        );
        // The last scheduled run succeeds now.
        await db.query(
          `INSERT INTO backup_runs (slot, holder, token, started_at, finished_at, outcome, archive, size)
           VALUES ($1, $2, 1, $1, $1, 'ok', 'G-now.smbak', 10)`,
          [ago(1), TEST_COMPUTER],
        );
        d = await read();
        assert.deepEqual(
          d.timeline!.drills.map((x) => [x.ok, x.rtoMs]),
          [
            [false, null],
            [true, 2000],
          ],
        );
        assert.equal(d.doctor?.ok, true);
        assert.deepEqual(d.doctor?.checks, [{ name: 'keys', state: 'pass' }]);
        assert.equal(d.readiness?.recoverable, true, JSON.stringify(d.readiness?.reasons));
        assert.equal(d.step, null);
      } finally {
        await db.close();
        await fx.cleanup();
      }
    });
  });
}
