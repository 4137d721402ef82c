/**
 * Readiness on both engines: each "no" (key never backed up, key changed
 * after its backup, no verified archive, archive older than the RPO, no
 * drill, failed drill, drill slower than the RTO, unsealed management packs
 * changed since the newest verified archive) with its remedy, the "yes"
 * when all hold, and GET /api/v1/recovery/readiness for administrators only.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { openApiFixture, prepareServiceManager } from '../../test/support/api-fixture.js';
import { ENGINES, tempDir } from '../../test/support/engines.js';
import { docExample } from '../../test/support/pack-example.js';
import { recordKeyBackup } from '../keys/key-records.js';
import { importPack, removePack } from '../management-packs/import-pack.js';
import { buildApp } from '../management-server/build-app.js';
import { type ArchiveCheck, recordArchiveCheck } from './archive-checks.js';
import { assessReadiness, type Readiness } from './readiness.js';

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const check = (o: Partial<ArchiveCheck> & Pick<ArchiveCheck, 'kind' | 'ok'>): ArchiveCheck => ({
  archive: `G-${Math.random().toString(36).slice(2)}.smbak`,
  archiveCreatedAt: ago(10),
  computerName: 'ms-test-1',
  startedAt: new Date().toISOString(),
  ...o,
});
const no = (r: Readiness, which: string) => {
  const reason = r.reasons.find((x) => x.check === which && !x.ok);
  assert.ok(reason, `expected a "no" for ${which}: ${JSON.stringify(r.reasons)}`);
  assert.equal(r.recoverable, false);
  return reason;
};

for (const engine of ENGINES) {
  describe(`recovery readiness (${engine().name})`, () => {
    test('each "no" with its remedy, then "yes"', async () => {
      const fx = engine();
      const db = await fx.open(await fx.newDatabaseUrl());
      try {
        const { keyId } = await prepareServiceManager(db, path.join(tempDir(), 'ss'));
        const config = { backups: { rpoMinutes: 60, rtoMinutes: 1 } };
        let r = await assessReadiness(db, config);
        let k = no(r, 'key-backup');
        assert.equal(k.subject, keyId);
        assert.deepEqual(k.computers, ['ms-test-1 (management-server)']);
        assert.match(k.detail, /has never been backed up/);
        assert.match(k.remedy!, /smgr key backup --file/);
        assert.match(no(r, 'archive').detail, /no archive has been verified/);
        assert.match(no(r, 'archive').remedy!, /smgr backup create/);
        assert.match(no(r, 'drill').detail, /no restore drill/);
        assert.match(no(r, 'drill').remedy!, /smgr drill/);

        await recordKeyBackup(db, [keyId]);
        await db.query(`UPDATE key_records SET created_at = now() + interval '1 minute'`);
        k = no(await assessReadiness(db, config), 'key-backup');
        assert.match(k.detail, /changed .* after its last backup/);
        await recordKeyBackup(db, [keyId]);
        await db.query(`UPDATE key_records SET last_backup_at = created_at + interval '2 minutes'`);

        await recordArchiveCheck(db, check({ kind: 'verify', ok: true, archiveCreatedAt: ago(180) }));
        r = await assessReadiness(db, config);
        const a = no(r, 'archive');
        assert.match(a.detail, /is 180 min old, older than the RPO of 60 min/);
        assert.match(a.remedy!, /smgr backup create, then smgr drill/);
        assert.ok(r.reasons.find((x) => x.check === 'key-backup')!.ok);

        await recordArchiveCheck(db, check({ kind: 'drill', ok: true, restoreMs: 1500, apiMs: 500 }));
        r = await assessReadiness(db, config);
        assert.deepEqual(
          r.reasons.filter((x) => !x.ok),
          [],
        );
        assert.equal(r.recoverable, true);
        assert.equal(r.lastDrill?.rtoMs, 2000);
        assert.equal(r.newestVerifiedArchive?.ageMinutes, 10);

        await recordArchiveCheck(
          db,
          check({ kind: 'drill', ok: false, error: 'doctor failed: sealed values' }),
        );
        const d = no(await assessReadiness(db, config), 'drill');
        assert.match(d.detail, /FAILED: doctor failed: sealed values/);
        assert.match(d.remedy!, /smgr backup verify and smgr doctor/);

        await recordArchiveCheck(db, check({ kind: 'drill', ok: true, restoreMs: 90_000, apiMs: 1000 }));
        const slow = no(await assessReadiness(db, config), 'drill');
        assert.match(slow.detail, /took 1\.5 min, over the RTO of 1 min/);
        assert.match(slow.remedy!, /rtoMinutes/);
      } finally {
        await db.close();
        await fx.cleanup();
      }
    });

    test('unsealed management packs changed since the newest verified archive: a "no" with its remedy', async () => {
      const fx = engine();
      const db = await fx.open(await fx.newDatabaseUrl());
      try {
        await prepareServiceManager(db, path.join(tempDir(), 'ss'));
        const packs = (r: Readiness) => r.reasons.find((x) => x.check === 'management-packs')!;
        let p = packs(await assessReadiness(db, {}));
        assert.equal(p.ok, true, 'the built-in packs are sealed');
        assert.match(p.detail, /there are no unsealed management packs/);

        const pack = docExample();
        await importPack(db, pack, 'admin');
        p = no(await assessReadiness(db, {}), 'management-packs');
        assert.equal(p.subject, pack.id);
        assert.match(
          p.detail,
          new RegExp(`unsealed management packs are in no verified archive: ${pack.id}`),
        );
        assert.match(p.remedy!, /smgr backup create, then smgr drill/);

        // An archive made after the import holds it.
        const archive = check({ kind: 'verify', ok: true, archiveCreatedAt: new Date().toISOString() });
        await recordArchiveCheck(db, archive);
        p = packs(await assessReadiness(db, {}));
        assert.equal(p.ok, true, p.detail);
        assert.match(p.detail, /no unsealed management pack changed since the newest verified archive/);

        // Removed after the archive: a recovery now would bring it back.
        await removePack(db, pack.id, 'admin');
        p = no(await assessReadiness(db, {}), 'management-packs');
        assert.match(
          p.detail,
          new RegExp(
            `changed since the newest verified archive \\(${archive.archive}, .*${pack.id} .*\\(removed `,
          ),
        );
        assert.match(p.remedy!, /smgr backup create/);

        // A newer verified archive holds the change.
        await recordArchiveCheck(
          db,
          check({ kind: 'drill', ok: true, archiveCreatedAt: new Date().toISOString() }),
        );
        assert.equal(packs(await assessReadiness(db, {})).ok, true);
      } finally {
        await db.close();
        await fx.cleanup();
      }
    });

    test('GET /api/v1/recovery/readiness: administrators only', async () => {
      const f = await openApiFixture(engine);
      try {
        const app = await buildApp({
          ...f.ctx,
          logger: pino({ level: 'silent' }),
          readiness: () => assessReadiness(f.db, {}),
        });
        try {
          const admin = await f.login();
          const ok = await app.inject({
            method: 'GET',
            url: '/api/v1/recovery/readiness',
            headers: f.auth(admin),
          });
          assert.equal(ok.statusCode, 200, ok.body);
          const body = ok.json<Readiness>();
          assert.equal(body.recoverable, false);
          assert.equal(body.rpoMinutes, 24 * 60);
          assert.ok(body.reasons.every((x) => typeof x.detail === 'string'));
          assert.ok(body.reasons.some((x) => x.check === 'management-packs'));
          assert.equal(
            (await app.inject({ method: 'GET', url: '/api/v1/recovery/readiness' })).statusCode,
            401,
          );
          const clerk = await f.addUser('clerk', 'end-user');
          const denied = await app.inject({
            method: 'GET',
            url: '/api/v1/recovery/readiness',
            headers: f.auth(clerk),
          });
          assert.equal(denied.statusCode, 403);
        } finally {
          await app.close();
        }
      } finally {
        await f.close();
      }
    });
  });
}
