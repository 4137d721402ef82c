/**
 * `smgr recover` of a Self-Service Portal computer (issue 13 item 1: every
 * part recovers through its own contribution), from the built CLI against a
 * management server on PostgreSQL (a portal runs on another computer than an
 * embedded database, so one engine):
 *  - refusals — wrong passphrase, a portal key of another group, a computer
 *    name the ServiceManager database has no portal registration for, no
 *    --database — each exit with their message and leave the portal's home
 *    (secure storage, config) and the database unchanged;
 *  - the portal computer lost (home deleted) and recovered by one command
 *    under the same name: doctor passes, its sign-in page answers;
 *  - kill -9 at each progress event of the run, then the same command again:
 *    the same end state (config, secure storage, the portal's registration).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeKeyBackup } from '../../src/keys/key-backup-file.js';
import { CLI, jsonOut, runCli, type ServeHandle } from '../support/cli.js';
import { withDb } from '../support/group.js';
import { sampleContent } from '../support/key-backup.js';
import { openPortalGroup, type PortalGroup, SIGN_IN_BY_PRODUCTS } from '../support/portal.js';
import { dumpDatabaseAt, snapshotDir } from '../support/snapshot.js';

describe('smgr recover of a portal computer', () => {
  let g: PortalGroup;
  let home = '';
  let keyFile = '';
  let passFile = '';
  let web01: ServeHandle | undefined;
  const args = (extra: string[] = []) => [
    '--key-file',
    keyFile,
    '--password-file',
    passFile,
    '--database',
    g.databaseUrl,
    '--management-server',
    g.msUrl,
    '--listen',
    '127.0.0.1:0',
    ...extra,
  ];
  const recover = (extra: string[] = [], name = 'web01', at = home) =>
    runCli(['recover', '--yes', ...extra], { home: at, computerName: name });

  before(async () => {
    g = await openPortalGroup('smgr-portal-recover-');
    const s = await g.setupPortal('web01', ['--listen', '127.0.0.1:0']);
    assert.equal(s.code, 0, s.stderr);
    home = s.home;
    keyFile = path.join(g.root, 'web01-key.age');
    passFile = g.file('passphrase', 'portal-key-passphrase-5');
    const b = await runCli(['key', 'backup', '--file', keyFile, '--password-file', passFile], {
      home,
      computerName: 'web01',
    });
    assert.equal(b.code, 0, b.stderr);
    fs.rmSync(home, { recursive: true, force: true }); // the portal computer is lost
  });
  after(async () => {
    await web01?.stop();
    await g?.close();
  });

  /** Runs `f` and checks the database and the (lost) home are the same after it. */
  const unchanged = async (at: string, f: () => Promise<void>) => {
    const db = await dumpDatabaseAt(g.databaseUrl, SIGN_IN_BY_PRODUCTS);
    const files = fs.existsSync(at) ? snapshotDir(at) : null;
    await f();
    assert.equal(await dumpDatabaseAt(g.databaseUrl, SIGN_IN_BY_PRODUCTS), db, 'ServiceManager changed');
    assert.deepEqual(fs.existsSync(at) ? snapshotDir(at) : null, files, `${at} changed`);
  };

  test('refusals leave the home, secure storage and the database unchanged', async () => {
    await unchanged(home, async () => {
      const wrong = await recover(args().map((a) => (a === passFile ? g.file('bad', 'not-it-at-all') : a)));
      assert.notEqual(wrong.code, 0, wrong.stderr);
      assert.match(wrong.stderr, /passphrase/i);

      const other = sampleContent(['portal']);
      const otherFile = path.join(g.root, 'other-group.age');
      fs.writeFileSync(
        otherFile,
        await encodeKeyBackup(other, 'portal-key-passphrase-5', { workFactor: 10 }),
      );
      const foreign = await recover(args().map((a) => (a === keyFile ? otherFile : a)));
      assert.equal(foreign.code, 1, foreign.stderr);
      assert.match(foreign.stderr, /Contoso SM/);
      assert.match(foreign.stderr, /Portal Group/);

      const noDb = await recover(
        args().filter((a, i, all) => a !== '--database' && all[i - 1] !== '--database'),
      );
      assert.equal(noDb.code, 2, noDb.stderr);
      assert.match(noDb.stderr, /recovering a portal needs --database URL/);
    });
    const stranger = path.join(g.root, 'web05');
    await unchanged(stranger, async () => {
      const r = await recover(args(), 'web05', stranger);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /Portal "web05" is not registered in management group "Portal Group"/);
    });
  });

  test('kill -9 at each event of the run, then a rerun: the state of an uninterrupted run', async () => {
    const state = async (at: string) => {
      const config = JSON.parse(fs.readFileSync(path.join(at, 'config.json'), 'utf8'));
      const journal = JSON.parse(fs.readFileSync(path.join(at, 'recover-journal.json'), 'utf8'));
      assert.notEqual(journal.finishedAt, null);
      const reg = await withDb(g.databaseUrl, async (db) => {
        const r = await db.query<{ computer_name: string; role: string; last_heartbeat: Date | null }>(
          `SELECT computer_name, role, last_heartbeat FROM computers WHERE part = 'portal' ORDER BY 1`,
        );
        return r.rows;
      });
      return { config, secureStorage: snapshotDir(path.join(at, 'secure-storage')), reg };
    };
    const crashHome = path.join(g.root, 'crash');
    const run = ['--json', 'recover', '--yes', ...args()];
    const events = await killedRun(crashHome, run); // uninterrupted: the reference end state
    const straight = await state(crashHome);
    assert.deepEqual(straight.reg, [{ computer_name: 'web01', role: 'portal', last_heartbeat: null }]);
    const begun = events.flatMap((e, i) => (e.endsWith(' begun') ? [i + 1] : []));
    assert.deepEqual(
      begun.map((i) => events[i - 1]),
      ['keys begun', 'portal:setup begun', 'doctor begun'],
    );
    for (const killAt of begun) {
      fs.rmSync(crashHome, { recursive: true, force: true });
      await killedRun(crashHome, run, killAt);
      const again = await recover(args(), 'web01', crashHome);
      assert.equal(again.code, 0, `after a kill at ${events[killAt - 1]}: ${again.stderr}`);
      assert.deepEqual(await state(crashHome), straight, `after a kill at ${events[killAt - 1]}`);
    }
    // Killed between the rebind's commit and its "done" in the journal, config.json not written yet:
    // the rerun finds the rebind tagged with the journal's id and writes it once.
    const journalFile = path.join(crashHome, 'recover-journal.json');
    const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8'));
    const audits = () =>
      withDb(
        g.databaseUrl,
        async (db) => (await db.query(`SELECT 1 FROM audit_log WHERE action = 'portal.set-up'`)).rows.length,
      );
    const before = await audits();
    for (const id of ['portal:setup', 'doctor']) journal.steps[id] = { begunAt: journal.steps[id].begunAt };
    journal.finishedAt = null;
    fs.writeFileSync(journalFile, JSON.stringify(journal));
    fs.rmSync(path.join(crashHome, 'config.json'));
    const resumed = await recover(args(), 'web01', crashHome);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(await audits(), before, 'the rebind is not written twice');
    assert.deepEqual(await state(crashHome), straight);
    fs.rmSync(crashHome, { recursive: true, force: true });
  });

  test('the lost portal recovered under the same name: doctor passes, its pages answer', async () => {
    const r = await runCli(['--json', 'recover', '--yes', ...args()], { home, computerName: 'web01' });
    assert.equal(r.code, 0, r.stderr);
    const steps = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((e) => e.steps && e.doctor);
    assert.deepEqual(
      steps.steps.map((s: { id: string }) => s.id),
      ['keys', 'portal:setup', 'doctor'],
    );
    const doctor = await runCli(['doctor', '--json'], { home, computerName: 'web01' });
    assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
    assert.ok(
      jsonOut(doctor.stdout).checks.some((c: { name: string }) => /portal key and registration/.test(c.name)),
    );
    web01 = await g.servePortal(home, 'web01');
    const page = await fetch(`${web01.baseUrl}/sign-in`);
    assert.equal(page.status, 200);
  });
});

/** `smgr ARGS` in `home` as web01; killed with SIGKILL at its `killAt`-th progress event; answers the events. */
function killedRun(home: string, args: string[], killAt?: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, SMGR_HOME: home, SMGR_COMPUTER_NAME: 'web01' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const events: string[] = [];
    let pending = '';
    child.stdout.on('data', (d: Buffer) => {
      pending += d;
      for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n')) {
        const e = JSON.parse(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        if (e.type !== 'progress') continue;
        events.push(
          e.recoveryStep ? `${e.recoveryStep.id} ${e.recoveryStep.state}` : `${e.phase} ${e.message}`,
        );
        if (events.length === killAt) child.kill('SIGKILL');
      }
    });
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', () => resolve(events));
  });
}
