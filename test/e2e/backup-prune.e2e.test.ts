/**
 * smgr backup prune through the built CLI, on both engines: the policy of
 * config.json applied to the group's archives, the newest verified and the
 * newest drilled archive kept whatever the counts, an archive being read
 * kept, other groups' archives and unsummarized ones never touched, every
 * deletion in the audit log; --dry-run and the refusal without a retention
 * policy delete and write nothing. Prune reads summaries only, so the
 * archives here are summaries beside placeholder bodies.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { recordArchiveCheck } from '../../src/recovery/archive-checks.js';
import { jsonOut, runCli } from '../support/cli.js';
import { ENGINES, tempDir } from '../support/engines.js';
import { configure, type Member, setupGroup, withDb } from '../support/group.js';
import { dumpDatabaseAt, snapshotDir } from '../support/snapshot.js';

function writeArchive(dir: string, group: { id: string; name: string }, createdAt: string): string {
  const file = `${group.name}-${createdAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.smbak`;
  fs.writeFileSync(path.join(dir, file), Buffer.alloc(1000));
  const summary = {
    format: 'smgr-backup-summary',
    version: 1,
    file,
    createdAt,
    managementGroup: group,
    databases: [],
  };
  fs.writeFileSync(path.join(dir, `${file}.json`), JSON.stringify(summary));
  return file;
}

for (const engine of ENGINES) {
  describe(`backup prune (${engine().name})`, () => {
    const fx = engine();
    const root = tempDir('smgr-prune-');
    const dir = path.join(root, 'backups');
    let url = '';
    let m!: Member;
    let group!: { id: string; name: string };
    const names: Record<string, string> = {};
    before(async () => {
      url = await fx.newDatabaseUrl();
      m = (await setupGroup(root, url, ['ms01']))[0]!;
      group = JSON.parse(fs.readFileSync(path.join(m.home, 'config.json'), 'utf8')).parts['management-server']
        .managementGroup;
      fs.mkdirSync(dir);
      for (const [k, at] of [
        ['a', '2026-11-01T03:00:00.000Z'],
        ['b', '2026-11-02T03:00:00.000Z'],
        ['c', '2026-11-03T03:00:00.000Z'],
        ['d', '2026-11-03T09:00:00.000Z'],
        ['e', '2026-11-04T03:00:00.000Z'],
      ] as const)
        names[k] = writeArchive(dir, group, at);
      names.other = writeArchive(
        dir,
        { id: '00000000-0000-4000-8000-000000000000', name: 'Other' },
        '2026-10-01T00:00:00.000Z',
      );
      fs.writeFileSync(path.join(dir, 'Loose-20261001T000000Z.smbak'), 'no summary');
      await withDb(url, async (db) => {
        const check = { computerName: 'ms01', startedAt: new Date().toISOString() };
        await recordArchiveCheck(db, {
          ...check,
          kind: 'drill',
          archive: names.a!,
          archiveCreatedAt: '2026-11-01T03:00:00Z',
          ok: true,
        });
        await recordArchiveCheck(db, {
          ...check,
          kind: 'verify',
          archive: names.b!,
          archiveCreatedAt: '2026-11-02T03:00:00Z',
          ok: true,
        });
        await recordArchiveCheck(db, {
          ...check,
          kind: 'drill',
          archive: names.c!,
          archiveCreatedAt: '2026-11-03T03:00:00Z',
          ok: false,
        });
      });
    });
    after(async () => {
      await fx.cleanup();
      fs.rmSync(root, { recursive: true, force: true });
    });

    test('without a retention policy: refused, nothing deleted or written', async () => {
      const files = snapshotDir(dir);
      const dump = await dumpDatabaseAt(url);
      const r = await runCli(['backup', 'prune', '--dir', dir, '--json'], m);
      assert.equal(r.code, 2);
      const e = jsonOut(r.stdout);
      assert.equal(e.error, 'RETENTION_NOT_CONFIGURED');
      assert.match(e.message, /No retention is configured/);
      assert.match(e.remedy, /backups\.retention/);
      assert.deepEqual(snapshotDir(dir), files);
      assert.equal(await dumpDatabaseAt(url), dump);
    });

    test('a misspelt retention key is refused by the config schema', async () => {
      configure(m, { backups: { retention: { keepLats: 1 } } });
      const r = await runCli(['backup', 'prune', '--dir', dir, '--json'], m);
      assert.equal(jsonOut(r.stdout).error, 'CONFIG_INVALID');
      assert.match(jsonOut(r.stdout).message, /keepLats|additional/i);
    });

    test('--dry-run shows the decision and deletes nothing', async () => {
      configure(m, { backups: { retention: { keepLast: 1, keepDaily: 2 } } });
      const files = snapshotDir(dir);
      const dump = await dumpDatabaseAt(url);
      const r = await runCli(['backup', 'prune', '--dir', dir, '--dry-run', '--json'], m);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const out = jsonOut(r.stdout.trim().split('\n').at(-1)!);
      assert.equal(out.dryRun, true);
      assert.deepEqual(out.removed.map((x: { file: string }) => path.basename(x.file)).sort(), [names.c]);
      assert.deepEqual(snapshotDir(dir), files);
      assert.equal(await dumpDatabaseAt(url), dump);
    });

    test('prune keeps the policy and the protected archives, deletes the rest, and logs each deletion', async () => {
      configure(m, { backups: { retention: { keepLast: 1 } } });
      // An archive being read by a live process (a drill or verify elsewhere) is kept.
      const reader = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      fs.writeFileSync(path.join(dir, `${names.d}.reading-${reader.pid}`), '');
      try {
        const r = await runCli(['backup', 'prune', '--dir', dir], m);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`keep +${names.e} +\\(last\\)`));
        assert.match(r.stdout, new RegExp(`keep +${names.d} +\\(busy\\)`));
        assert.match(r.stdout, new RegExp(`keep +${names.b} +\\(newest-verified\\)`));
        assert.match(r.stdout, new RegExp(`keep +${names.a} +\\(newest-drilled\\)`));
        assert.match(r.stdout, new RegExp(`deleted ${names.c}`));
        assert.match(r.stdout, /ignored Loose-20261001T000000Z\.smbak +\(no readable summary\)/);
      } finally {
        reader.kill('SIGKILL');
      }
      const left = fs
        .readdirSync(dir)
        .filter((n) => n.endsWith('.smbak'))
        .sort();
      assert.deepEqual(
        left,
        [names.other, names.a, names.b, names.d, names.e, 'Loose-20261001T000000Z.smbak'].sort(),
      );
      assert.ok(!fs.existsSync(path.join(dir, `${names.c}.json`)));
      const logged = await withDb(
        url,
        async (db) =>
          (
            await db.query<{ actor: string; target: string }>(
              `SELECT actor, target FROM audit_log WHERE action = 'backup.prune'`,
            )
          ).rows,
      );
      assert.deepEqual(logged, [{ actor: 'prune@ms01', target: names.c }]);
    });
  });
}
