/**
 * smgr drill through the built CLI (issue 13 item 4): the newest archive
 * restored into a scratch embedded installation, served, doctored, measured
 * and deleted, its evidence recorded in ServiceManager; a damaged archive's
 * drill fails loudly (DRILL_FAILED, exit 1) and is recorded as failed. No
 * scratch home is left behind. Also after each scheduled backup (PGlite).
 *
 * Each drill here runs with its own TMPDIR (os.tmpdir() of the CLI), so the
 * "no scratch home left behind" check sees this test's drills only: with the
 * shared temporary directory, another test file's drill (scheduled-backups
 * e2e drills in smgr serve, and kills one) made or removed `smgr-drill-*`
 * homes between the two listings — the race behind a failure seen once at
 * high load. Waits are on conditions, with deadlines long enough for PGlite
 * on a loaded machine.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { jsonOut, msStatus, runCli, type ServeHandle, startServe } from '../support/cli.js';
import { embeddedFixture, serverFixture, tempDir } from '../support/engines.js';
import { DEADLINE_MS, eventually as poll, sleep } from '../support/eventually.js';
import { configure, type Member, setupGroup, withDb } from '../support/group.js';
import { docExampleText } from '../support/pack-example.js';
import { dumpDatabaseAt, snapshotDir } from '../support/snapshot.js';

/** The drills' scratch homes in a private temporary directory. */
const scratchHomes = (tmp: string) => fs.readdirSync(tmp).filter((n) => n.startsWith('smgr-drill-'));

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('smgr drill on a PostgreSQL database', () => {
  const fx = serverFixture();
  const root = tempDir('smgr-drill-test-');
  const tmp = path.join(root, 'tmp');
  let url = '';
  let m!: Member;
  before(async () => {
    fs.mkdirSync(tmp);
    url = await fx.newDatabaseUrl();
    m = (await setupGroup(root, url, ['ms01'], { TMPDIR: tmp }))[0]!;
    const b = await runCli(['backup', 'create'], m);
    assert.equal(b.code, 0, b.stderr);
  });
  after(async () => {
    await fx.cleanup();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('the newest archive restores, serves and passes doctor; the evidence is recorded', async () => {
    const r = await runCli(['drill', '--json'], m);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const { drill } = jsonOut(r.stdout.trim().split('\n').at(-1)!);
    assert.equal(drill.ok, true, JSON.stringify(drill));
    assert.equal(drill.kind, 'drill');
    assert.match(drill.archive, /^Contoso-\d{8}T\d{6}Z\.smbak$/);
    assert.ok(drill.restoreMs > 0 && drill.apiMs > 0);
    assert.ok(drill.tablesChecked > 10 && drill.rowsChecked > 0);
    assert.equal(drill.doctorOk, true);
    assert.ok(drill.doctor.some((c: { name: string }) => c.name === 'sealed values'));
    const rows = await withDb(
      url,
      async (db) => (await db.query('SELECT kind, archive, ok, restore_ms, api_ms FROM archive_checks')).rows,
    );
    assert.deepEqual(
      rows.map((x) => [x.kind, x.archive, x.ok]),
      [['drill', drill.archive, true]],
    );
    assert.deepEqual(scratchHomes(tmp), [], 'the scratch home is deleted');
    // Progress (issue 13 item 7): the drill's stages and the restore's tables, as JSON lines before the result.
    const events = r.stdout
      .trim()
      .split('\n')
      .slice(0, -1)
      .map((l) => JSON.parse(l));
    assert.ok(events.length > 0 && events.every((e) => e.type === 'progress'));
    const stages = [
      'restoring into a scratch embedded database',
      'counting the rows of every table against the manifest',
      'starting the restored management server',
      'running the doctor against it',
    ];
    assert.deepEqual(
      events.filter((e) => e.phase === 'step' && stages.includes(e.message)).map((e) => e.message),
      stages,
      'each stage once, in order',
    );
    const tables = events.filter((e) => e.phase === 'table' && e.tableDone);
    assert.deepEqual(
      tables.map((e) => e.tablesDone),
      tables.map((_, i) => i + 1),
      'each table of the restore, in order',
    );
    assert.ok(tables.some((e) => e.table === 'users' && e.rows >= 1));
    // The evidence makes the group recoverable: status and doctor say so.
    configure(m, { backups: { rpoMinutes: 60 } });
    const st = await runCli(['status', '--json'], m);
    const recovery = msStatus(jsonOut(st.stdout)).recovery;
    assert.equal(recovery.recoverable, true, JSON.stringify(recovery.reasons));
    assert.equal(recovery.lastDrill.archive, drill.archive);
    assert.doesNotMatch(st.stderr, /warning/);
    const human = await runCli(['status'], m);
    assert.match(human.stdout, /Recoverable now: +YES/);
    const doc = jsonOut((await runCli(['doctor', '--json'], m)).stdout);
    assert.equal(doc.checks.find((c: { name: string }) => c.name === 'recovery drill').state, 'pass');
    assert.equal(
      doc.checks.find((c: { name: string }) => c.name === 'recovery management-packs').state,
      'pass',
    );

    // An unsealed pack imported after the drilled archive was made: not recoverable now, with the remedy.
    const pack = path.join(root, 'pack.json');
    fs.writeFileSync(pack, docExampleText());
    const imported = await runCli(['mp', 'import', pack], m);
    assert.equal(imported.code, 0, imported.stderr);
    const id = JSON.parse(docExampleText()).id as string;
    const st2 = await runCli(['status'], m);
    assert.match(
      st2.stdout,
      new RegExp(
        `Recoverable now: +NO — unsealed management packs changed since the newest verified archive \\(${drill.archive}, .*${id.replaceAll('.', '\\.')} .*remedy: smgr backup create, then smgr drill`,
      ),
    );
    assert.match(st2.stderr, /warning: Not recoverable now: unsealed management packs changed/);
    const doc2 = jsonOut((await runCli(['doctor', '--json'], m)).stdout);
    const packs = doc2.checks.find((c: { name: string }) => c.name === 'recovery management-packs');
    assert.equal(packs.state, 'warn');
    assert.match(packs.remedy, /smgr backup create, then smgr drill/);
    const reason = msStatus(jsonOut((await runCli(['status', '--json'], m)).stdout)).recovery.reasons.find(
      (r: { check: string }) => r.check === 'management-packs',
    );
    assert.equal(reason.ok, false);
    assert.equal(reason.subject, id);
  });

  test('no archive to drill: refused (NO_ARCHIVE), nothing changed', async () => {
    const empty = path.join(root, 'empty');
    fs.mkdirSync(empty);
    const dump = await dumpDatabaseAt(url);
    const home = snapshotDir(m.home);
    const r = await runCli(['drill', '--dir', empty, '--json'], m);
    assert.equal(r.code, 1);
    const e = jsonOut(r.stdout);
    assert.equal(e.error, 'NO_ARCHIVE');
    assert.equal(e.message, `There is no archive of management group "Contoso" in ${empty}.`);
    assert.match(e.remedy, /smgr backup create/);
    assert.equal(await dumpDatabaseAt(url), dump);
    assert.deepEqual(snapshotDir(m.home), home);
  });

  test('a damaged archive: the drill fails loudly and is recorded as failed', async () => {
    const dir = path.join(m.home, 'backups');
    const good = fs.readdirSync(dir).find((n) => n.endsWith('.smbak'))!;
    const bad = path.join(root, 'damaged.smbak');
    const bytes = fs.readFileSync(path.join(dir, good));
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    fs.writeFileSync(bad, bytes);
    const r = await runCli(['drill', bad], m);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /Drill FAILED: damaged\.smbak/);
    assert.match(r.stderr, /^error: The restore drill of damaged\.smbak failed: /m);
    assert.match(r.stderr, /^remedy: .*smgr backup verify/m);
    const rows = await withDb(
      url,
      async (db) =>
        (await db.query(`SELECT ok, error FROM archive_checks WHERE archive = 'damaged.smbak'`)).rows,
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.ok, false);
    assert.deepEqual(
      fs.readdirSync(root).filter((n) => n.includes('.reading-')),
      [],
      'the drill removed its in-use marker',
    );
    assert.deepEqual(scratchHomes(tmp), []);
    // Loud: status answers no, with the drill's failure and the remedy, and warns.
    const st = await runCli(['status'], m);
    assert.match(st.stdout, /Recoverable now: +NO — the last drill .* FAILED: .*remedy: smgr backup verify/);
    assert.match(st.stdout, /Last drill: +FAILED .* on damaged\.smbak/);
    assert.match(st.stderr, /warning: Not recoverable now: the last drill/);
    const doctor = await runCli(['doctor', '--json'], m);
    assert.equal(doctor.code, 0, 'a failed drill warns in doctor, it does not fail it');
    const c = jsonOut(doctor.stdout).checks.find((x: { name: string }) => x.name === 'recovery drill');
    assert.equal(c.state, 'warn');
    assert.match(c.remedy, /smgr drill/);
  });

  // drill-child: the scheduled drill runs in a child process of the server (the built worker), so
  // the server keeps renewing its workflow lease meanwhile; a child killed with kill -9 is a FAILED
  // drill (error log, status, metric) that leaves no scratch home; a clean shutdown kills a running
  // drill's child and leaves neither the child nor its scratch home, and records nothing of it.
  test('scheduled drills run in a child process: lease renewed meanwhile; kill -9 is loud; shutdown leaves nothing', async () => {
    const since = new Date();
    configure(m, { backups: { schedule: '*/2 * * * * *', rpoMinutes: 60 } });
    const fast = { ...m, env: { ...m.env, SMGR_LEASE_SECONDS: '6', SMGR_LEASE_RENEW_SECONDS: '0.5' } };
    let serve: ServeHandle | undefined = await startServe(fast);
    try {
      const childPids = () =>
        serve!
          .logs()
          .split('\n')
          .filter((l) => l.includes('drill started in a child process'))
          .map((l) => JSON.parse(l).pid as number);
      // 1. The lease, sampled while the first scheduled drill runs: renewed inside the drill's window.
      const samples: Array<{ token: string; renewedAt: number }> = [];
      let sampling = true;
      const sampler = withDb(url, async (db) => {
        while (sampling) {
          const r = await db.query<{ token: string; renewed_at: Date | null }>(
            'SELECT token, renewed_at FROM workflow_lease',
          );
          const row = r.rows[0];
          if (row?.renewed_at)
            samples.push({ token: String(row.token), renewedAt: row.renewed_at.getTime() });
          await sleep(100);
        }
      });
      const drills = () =>
        withDb(
          url,
          async (db) =>
            (
              await db.query<{
                archive: string;
                started_at: Date;
                finished_at: Date;
                ok: boolean;
                error: string;
              }>(
                `SELECT archive, started_at, finished_at, ok, error FROM archive_checks
                  WHERE kind = 'drill' AND started_at >= $1 ORDER BY id`,
                [since],
              )
            ).rows,
        );
      let first: Awaited<ReturnType<typeof drills>>[number] | undefined;
      try {
        [first] = await poll(
          'the first scheduled drill',
          async () => {
            const d = await drills();
            return d.length > 0 ? d : undefined;
          },
          { ms: 4 * DEADLINE_MS, everyMs: 200 },
        );
      } finally {
        sampling = false;
        await sampler;
      }
      assert.equal(first!.ok, true, first!.error);
      const [pid1] = childPids();
      assert.ok(pid1 && pid1 !== serve.child.pid, 'the drill ran in another process');
      const start = first!.started_at.getTime();
      const end = first!.finished_at.getTime();
      assert.ok(
        samples.some((x) => x.renewedAt > start && x.renewedAt < end),
        `the lease was renewed during the drill (${start}..${end}): ${JSON.stringify(samples.slice(-20))}`,
      );
      assert.equal(new Set(samples.map((x) => x.token)).size, 1, 'one tenure throughout');
      const recorded = await withDb(
        url,
        async (db) =>
          (
            await db.query(`SELECT id FROM archive_checks WHERE kind = 'drill' AND archive = $1`, [
              first!.archive,
            ])
          ).rows.length,
      );
      assert.equal(recorded, 1, 'the evidence recorded once');

      // 2. kill -9 of a drill's child: a FAILED drill, logged as an error, recorded; no scratch home left.
      const pid2 = await poll('a second drill', () => childPids().find((p) => p !== pid1), { everyMs: 50 });
      process.kill(pid2, 'SIGKILL');
      await poll('the killed drill logged as FAILED', () =>
        serve!
          .logs()
          .split('\n')
          .some((l) => l.includes('drill FAILED') && l.includes('killed by SIGKILL')),
      );
      assert.match(serve.logs(), /"level":50[^\n]*drill FAILED|drill FAILED[^\n]*"level":50/);
      assert.deepEqual(
        scratchHomes(tmp).filter((n) => n.startsWith(`smgr-drill-${pid2}-`)),
        [],
        "the killed child's scratch home is removed",
      );
      // The metric, read at once: the next drill (a backup, then a restore) cannot have finished yet.
      const metrics = await (await fetch(`${serve.baseUrl}/metrics`)).text();
      const recordedDrills = await drills();
      const killed = recordedDrills.find((d) => /killed by SIGKILL/.test(d.error ?? ''));
      assert.ok(killed && !killed.ok, 'recorded as a failed drill');
      if (recordedDrills.at(-1) === killed) assert.match(metrics, /^smgr_drill_last_success 0$/m);

      // 3. A clean shutdown while a drill runs: the child is killed, nothing is left, nothing recorded of it.
      const pid3 = await poll('a third drill', () => childPids().find((p) => p !== pid1 && p !== pid2), {
        ms: 4 * DEADLINE_MS,
        everyMs: 20,
      });
      const drilledBefore = (await drills()).length;
      assert.equal(await serve.stop(), 0);
      serve = undefined;
      await poll('no drill child outlives its server', () => !isAlive(pid3), { ms: 10_000 });
      assert.deepEqual(scratchHomes(tmp), [], 'no scratch home left behind');
      assert.deepEqual(
        fs.readdirSync(path.join(m.home, 'backups')).filter((n) => n.includes('.reading-')),
        [],
        'no archive marker left behind',
      );
      const drilledAfter = await drills();
      if (drilledAfter.length > drilledBefore)
        assert.ok(drilledAfter.at(-1)!.ok, 'only a drill that finished before the stop is evidence');
      const last = await withDb(
        url,
        async (db) =>
          (await db.query<{ outcome: string }>('SELECT outcome FROM backup_runs ORDER BY slot DESC LIMIT 1'))
            .rows[0],
      );
      assert.ok(['interrupted', 'ok'].includes(last!.outcome), JSON.stringify(last));

      // Loud: status answers no with the killed drill (unless a later drill passed before the stop).
      if (drilledAfter.length === drilledBefore) {
        const st = await runCli(['status', '--json'], m);
        const recovery = msStatus(jsonOut(st.stdout)).recovery;
        assert.equal(recovery.lastDrill.ok, false);
        assert.match(recovery.lastDrill.error, /killed by SIGKILL/);
        assert.equal(recovery.recoverable, false);
      }
    } finally {
      await serve?.stop('SIGKILL').catch(() => {});
      configure(m, { backups: { rpoMinutes: 60 } });
    }
  });
});

describe('a drill after each scheduled backup (PGlite)', () => {
  const fx = embeddedFixture();
  const root = tempDir('smgr-drill-sched-');
  let m!: Member;
  let serve: ServeHandle | undefined;
  before(async () => {
    fs.mkdirSync(path.join(root, 'tmp'));
    m = (await setupGroup(root, await fx.newDatabaseUrl(), ['ms01'], { TMPDIR: path.join(root, 'tmp') }))[0]!;
  });
  after(async () => {
    await serve?.stop('SIGKILL').catch(() => {});
    await fx.cleanup();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('scheduled backups are drilled; the drill evidence is in the database', async () => {
    configure(m, { backups: { schedule: '*/2 * * * * *' } });
    serve = await startServe(m);
    // A PGlite server, its backup, and a drill that restores into a second PGlite and serves it:
    // minutes on a loaded machine, so a deadline of several DEADLINE_MS (a limit, not a window).
    await poll(
      'a scheduled backup and its drill',
      () =>
        serve!
          .logs()
          .split('\n')
          .some((l) => l.includes('"kind":"drill"') && l.includes('scheduled backup checked')),
      { ms: 4 * DEADLINE_MS, everyMs: 200 },
    );
    assert.doesNotMatch(serve.logs(), /FAILED/);
  });
});
