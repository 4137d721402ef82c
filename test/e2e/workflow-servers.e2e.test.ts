/**
 * Several management servers in one group (issue 5), end to end: three real
 * `smgr serve` processes (three homes, three computer names; the key moved
 * with smgr key backup / key restore) on one PostgreSQL database. All serve
 * the API; only the lease holder runs workflows; promote is refused while
 * the holder is live; kill -9 the holder, its lease expires, promote another
 * from a third computer, and the workflows resume there — none ran twice or
 * was lost (the workflow history and the outbox prove it); the old server
 * comes back as a secondary and says so; promote --force fences a live one.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, jsonOut, msStatus, runCli, type ServeHandle, startServe } from '../support/cli.js';
import { serverFixture, tempDir } from '../support/engines.js';
import {
  checkHistory,
  eventually,
  leaseEvent,
  login,
  type Member,
  runs,
  setupGroup,
  withDb,
} from '../support/group.js';

const TIMING = {
  SMGR_LEASE_SECONDS: '6', // twelve renewals: a loaded machine does not lapse it
  SMGR_LEASE_RENEW_SECONDS: '0.5',
  SMGR_WORKFLOW_INTERVAL_SECONDS: '1',
};
const WORKFLOWS = ['grooming', 'outbox', 'sla'];

describe('three management servers on one PostgreSQL database', () => {
  const fx = serverFixture();
  const root = tempDir('smgr-group-');
  let url = '';
  let ms01: Member;
  let ms02: Member;
  let ms03: Member;
  const servers = new Map<string, ServeHandle>();
  const serve = async (m: Member) => {
    const s = await startServe(m);
    servers.set(m.computerName, s);
    return s;
  };
  /** The management server's part of `smgr status --json`. */
  const status = async (m: Member) => {
    const r = await runCli(['status', '--json'], m);
    assert.equal(r.code, 0, r.stderr);
    return msStatus(jsonOut(r.stdout));
  };
  const leaseTables = () =>
    withDb(url, async (db) =>
      JSON.stringify([
        (await db.query('SELECT holder, token, instance, since FROM workflow_lease')).rows, // not the renewals
        (await db.query('SELECT * FROM workflow_lease_history ORDER BY id')).rows,
        (await db.query('SELECT computer_name, role FROM computers ORDER BY 1')).rows,
        (await db.query(`SELECT count(*) FROM audit_log WHERE action LIKE 'workflow-lease.%'`)).rows,
      ]),
    );
  const notifications = () =>
    withDb(
      url,
      async (db) =>
        (
          await db.query<{ id: number; delivered_by: string | null; delivered_token: number | null }>(
            'SELECT id, delivered_by, delivered_token FROM notifications ORDER BY id',
          )
        ).rows,
    );
  const logLines = (m: Member) => {
    const p = path.join(m.home, 'notifications.log');
    return fs.existsSync(p)
      ? fs
          .readFileSync(p, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { id: number; token: number; deliveredBy: string })
      : [];
  };

  before(async () => {
    url = await fx.newDatabaseUrl();
    [ms01, ms02, ms03] = (await setupGroup(root, url, ['ms01', 'ms02', 'ms03'], TIMING)) as [
      Member,
      Member,
      Member,
    ];
  });
  after(async () => {
    for (const s of servers.values()) await s.stop('SIGKILL').catch(() => {});
    await fx.cleanup();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('all three serve the API; only the lease holder (ms01) runs the workflows', async () => {
    for (const m of [ms01, ms02, ms03]) await serve(m);
    const roles = await Promise.all(
      [ms01, ms02, ms03].map(
        async (m) => (await api(servers.get(m.computerName)!.baseUrl, 'GET', '/health')).body.role,
      ),
    );
    assert.deepEqual(roles, ['workflow', 'secondary', 'secondary']);

    // Work through the secondaries, read it back through the workflow server.
    const viaB = servers.get('ms02')!.baseUrl;
    const viaC = servers.get('ms03')!.baseUrl;
    const tB = await login(viaB);
    const tC = await login(viaC);
    const urgent = await api(
      viaB,
      'POST',
      '/api/v1/work-items',
      { class: 'incident', title: 'Core switch down', priority: 1 },
      tB,
    );
    assert.equal(urgent.status, 201, urgent.text);
    const old = await api(
      viaC,
      'POST',
      '/api/v1/work-items',
      { class: 'service-request', title: 'Old request', status: 'closed' },
      tC,
    );
    assert.equal(old.status, 201, old.text);
    const tA = await login(servers.get('ms01')!.baseUrl);
    const read = await api(
      servers.get('ms01')!.baseUrl,
      'GET',
      `/api/v1/work-items/${urgent.body.id}`,
      undefined,
      tA,
    );
    assert.deepEqual(read.body, urgent.body);
    // Age them: the incident is past its 4-hour target, the closed request past the 90-day retention.
    await withDb(url, async (db) => {
      await db.query(`UPDATE work_items SET created_at = now() - interval '5 hours' WHERE id = $1`, [
        urgent.body.id,
      ]);
      await db.query(`UPDATE work_items SET updated_at = now() - interval '100 days' WHERE id = $1`, [
        old.body.id,
      ]);
    });

    await eventually('the workflows to do their work', async () =>
      withDb(url, async (db) => {
        const breached = await db.query('SELECT 1 FROM work_items WHERE breached_at IS NOT NULL');
        const groomed = await db.query('SELECT 1 FROM work_items WHERE id = $1', [old.body.id]);
        const pending = await db.query('SELECT 1 FROM notifications WHERE delivered_at IS NULL');
        return breached.rowCount === 1 && groomed.rowCount === 0 && pending.rowCount === 0;
      }),
    );
    const all = await runs(url);
    assert.deepEqual([...new Set(all.map((r) => r.workflow))].sort(), WORKFLOWS);
    assert.deepEqual(
      [...new Set(all.map((r) => `${r.holder}/${r.token}`))],
      ['ms01/1'],
      'only ms01 ran workflows',
    );
    checkHistory(all);
    const delivered = await notifications();
    assert.ok(delivered.length >= 3, 'created, created, SLA breached');
    assert.ok(delivered.every((n) => n.delivered_by === 'ms01' && n.delivered_token === 1));
    assert.deepEqual(logLines(ms02), [], 'secondaries deliver nothing');

    assert.match(servers.get('ms01')!.logs(), /this server is the workflow server \(token 1\)/);
    for (const m of [ms02, ms03]) {
      assert.match(
        servers.get(m.computerName)!.logs(),
        /the workflow lease is held by ms01 \(token 1\): this server runs as a secondary/,
      );
    }

    const st = await status(ms03); // through ms03's admin channel
    assert.equal(st.workflowLease.holder, 'ms01');
    assert.equal(st.workflowLease.token, 1);
    assert.deepEqual(Object.keys(st.workflowLease).sort(), ['expiresAt', 'holder', 'since', 'token']);
    assert.ok(Date.parse(st.workflowLease.expiresAt) > Date.parse(st.workflowLease.since));
    assert.equal(st.workflows.leaseLive, true);
    assert.deepEqual(
      st.servers.map((s: { computerName: string; role: string; alive: boolean }) => [
        s.computerName,
        s.role,
        s.alive,
      ]),
      [
        ['ms01', 'workflow', true],
        ['ms02', 'secondary', true],
        ['ms03', 'secondary', true],
      ],
    );
    assert.deepEqual(
      st.workflows.history.map((w: { workflow: string }) => w.workflow),
      WORKFLOWS,
    );
    const human = await runCli(['status'], ms02);
    assert.match(human.stdout, /Workflow lease: +ms01 \(token 1\) since \S+, live until/);
  });

  test('promote is refused while the holder is live, for an unknown server and for the holder; nothing changes', async () => {
    const before = await leaseTables();
    const held = await runCli(['promote', 'ms02'], ms03);
    assert.equal(held.code, 1);
    const [cause, remedy] = held.stderr.trim().split('\n');
    assert.match(
      cause!,
      /^error: Management server "ms01" holds a live workflow lease \(token 1, expires \S+Z\)\.$/,
    );
    assert.match(
      remedy!,
      /^remedy: Stop "ms01" or wait until its lease expires, then promote again; .*--force/,
    );
    const unknown = await runCli(['promote', 'ms09', '--json'], ms03);
    assert.equal(unknown.code, 1);
    assert.equal(jsonOut(unknown.stdout).error, 'PROMOTE_UNKNOWN_SERVER');
    assert.match(jsonOut(unknown.stdout).remedy, /\(ms01, ms02, ms03\)/);
    const already = await runCli(['promote', 'ms01', '--force', '--json'], ms02);
    assert.equal(jsonOut(already.stdout).error, 'PROMOTE_ALREADY_HOLDER');
    const usage = await runCli(['promote'], ms02);
    assert.equal(usage.code, 2);
    assert.equal(
      await leaseTables(),
      before,
      'the lease, its history, the roles and the audit log are unchanged',
    );
  });

  test('kill -9 the holder; its lease expires; promote ms02 from ms03; workflows resume on ms02, none twice, none lost', async () => {
    const killedAt = new Date();
    assert.equal(await servers.get('ms01')!.stop('SIGKILL'), null);
    servers.delete('ms01');
    // Work keeps coming in through the secondaries while nobody runs workflows.
    const tC = await login(servers.get('ms03')!.baseUrl);
    const during: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await api(
        servers.get('ms03')!.baseUrl,
        'POST',
        '/api/v1/work-items',
        { class: 'incident', title: `During ${i}`, priority: 3 },
        tC,
      );
      during.push(r.body.id);
    }
    const expiresAt = Date.parse(
      (
        await eventually('the lease of the killed holder to expire', async () => {
          const st = await status(ms03);
          return !st.workflows.leaseLive && st;
        })
      ).workflowLease.expiresAt,
    );
    const before = await runs(url);
    assert.ok(before.every((r) => r.holder === 'ms01' && r.started_at <= new Date(expiresAt)));

    const promoted = await runCli(['promote', 'ms02', '--json'], ms03);
    assert.equal(promoted.code, 0, promoted.stdout + promoted.stderr);
    const p = jsonOut(promoted.stdout);
    assert.equal(p.holder, 'ms02');
    assert.equal(p.token, 2);
    assert.equal(p.previousHolder, 'ms01');
    assert.equal(p.fenced, false);
    const promotion = await leaseEvent(url, 2);

    await eventually('ms02 to run every workflow and deliver everything', async () => {
      const rows = await runs(url);
      const pending = (await notifications()).filter((n) => n.delivered_by === null);
      return (
        WORKFLOWS.every((w) =>
          rows.some((r) => r.workflow === w && r.holder === 'ms02' && r.outcome === 'ok'),
        ) && pending.length === 0
      );
    });
    assert.match(servers.get('ms02')!.logs(), /this server is the workflow server \(token 2\)/);
    assert.equal((await api(servers.get('ms02')!.baseUrl, 'GET', '/health')).body.role, 'workflow');

    const all = await runs(url);
    checkHistory(all);
    for (const r of all) {
      if (r.holder === 'ms01') {
        assert.equal(r.token, 1);
        assert.ok(r.started_at < killedAt, 'ms01 started nothing after it was killed');
        if (r.outcome !== 'interrupted') assert.ok(r.finished_at! < killedAt);
      } else {
        assert.deepEqual([r.holder, r.token], ['ms02', 2], 'only ms02 took over');
        assert.ok(r.started_at > promotion.at);
      }
    }
    const interrupted = all.filter((r) => r.outcome === 'interrupted');
    assert.ok(interrupted.every((r) => r.holder === 'ms01'));
    assert.ok(interrupted.length <= WORKFLOWS.length, 'at most the run in flight of each workflow');

    // The outbox: every notification marked delivered exactly once; those queued while ms01 was dead by ms02;
    // each one in a notifications.log (at least once: the id is the key to drop a repeat).
    const notes = await notifications();
    assert.ok(notes.every((n) => n.delivered_by !== null));
    const queuedDuring = await withDb(
      url,
      async (db) =>
        (
          await db.query<{ id: number }>(
            'SELECT id FROM notifications WHERE work_item_id = ANY($1::bigint[])',
            [during],
          )
        ).rows,
    );
    assert.equal(queuedDuring.length, 3);
    for (const q of queuedDuring)
      assert.deepEqual(
        notes.find((n) => n.id === q.id),
        { id: q.id, delivered_by: 'ms02', delivered_token: 2 },
      );
    const logged = new Set([...logLines(ms01), ...logLines(ms02)].map((l) => l.id));
    for (const n of notes) assert.ok(logged.has(n.id), `notification ${n.id} is in a notifications.log`);
    assert.ok(logLines(ms02).every((l) => l.token === 2 && l.deliveredBy === 'ms02'));
    assert.deepEqual(logLines(ms03), []);

    const st = await status(ms03);
    assert.deepEqual([st.workflowLease.holder, st.workflowLease.token], ['ms02', 2]);
    assert.deepEqual(
      st.servers.map((s: { computerName: string; role: string }) => [s.computerName, s.role]),
      [
        ['ms01', 'secondary'],
        ['ms02', 'workflow'],
        ['ms03', 'secondary'],
      ],
    );
  });

  test('the old workflow server comes back as a secondary and says so; promote --force fences the live holder', async () => {
    const back = await serve(ms01);
    assert.match(
      back.logs(),
      /the workflow lease is held by ms02 \(token 2\): this server runs as a secondary/,
    );
    assert.equal((await api(back.baseUrl, 'GET', '/health')).body.role, 'secondary');
    const doctorBefore = JSON.parse((await runCli(['doctor', '--json'], ms01)).stdout);
    assert.equal(
      doctorBefore.checks.find((c: { name: string }) => c.name === 'workflow lease').state,
      'pass',
    );

    const forced = await runCli(['promote', 'ms01', '--force'], ms01); // through ms01's admin channel
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /^ms01 is now the workflow server \(workflow lease token 3\)\.$/m);
    assert.match(forced.stdout, /ms02 \(token 2\) was fenced: the database refuses its workflow writes/);
    const fencing = await leaseEvent(url, 3);
    assert.equal(fencing.event, 'promote-forced');
    assert.match(back.logs(), /this server is the workflow server \(token 3\)/, 'claimed at once');
    await eventually('ms02 to notice', async () =>
      /lost the workflow lease \(token 2\) to ms01 \(token 3\): this server now runs as a secondary/.test(
        servers.get('ms02')!.logs(),
      ),
    );
    assert.equal((await api(servers.get('ms02')!.baseUrl, 'GET', '/health')).body.role, 'secondary');
    assert.equal((await api(back.baseUrl, 'GET', '/health')).body.role, 'workflow');

    await eventually('ms01 to run every workflow with token 3', async () => {
      const rows = await runs(url);
      return WORKFLOWS.every((w) =>
        rows.some((r) => r.workflow === w && r.token === 3 && r.outcome === 'ok'),
      );
    });
    const all = await runs(url);
    checkHistory(all);
    for (const r of all.filter((x) => x.token === 2)) {
      assert.ok(r.started_at < fencing.at, 'ms02 started nothing after it was fenced');
      if (r.outcome !== 'interrupted') assert.ok(r.finished_at! < fencing.at, 'and finished nothing after');
    }
    const fencedNotes = await withDb(
      url,
      async (db) =>
        (
          await db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM notifications WHERE delivered_token = 2 AND delivered_at > $1`,
            [fencing.at],
          )
        ).rows[0]!.n,
    );
    assert.equal(fencedNotes, 0);

    for (const m of [ms01, ms02, ms03]) {
      assert.equal(await servers.get(m.computerName)!.stop(), 0);
      servers.delete(m.computerName);
    }
    const st = await status(ms02);
    assert.equal(st.workflowLease.holder, 'ms01');
    assert.equal(st.workflows.leaseLive, false, 'a clean stop ends the tenure at once');
    // With no server running here, promote works on the database directly.
    const direct = await runCli(['promote', 'ms03', '--json'], ms03);
    assert.equal(direct.code, 0, direct.stdout + direct.stderr);
    assert.deepEqual(
      [jsonOut(direct.stdout).holder, jsonOut(direct.stdout).token, jsonOut(direct.stdout).holderAlive],
      ['ms03', 4, false],
    );
  });
});
