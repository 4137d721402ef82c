/**
 * A paused workflow server and automatic failover, end to end, on one
 * PostgreSQL database: ms02 is configured with `workflowFailover:
 * "automatic"` (grace 1 s) in its config.json. SIGSTOP the workflow server
 * ms01 past its expiry: ms02 takes the lease by itself and runs the
 * workflows; SIGCONT ms01: it says in its log that it now runs as a
 * secondary, and once it has stopped (so whatever it had in flight has ended)
 * the history shows it completed no workflow write after the takeover.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { api, msStatus, runCli, type ServeHandle, startServe } from '../support/cli.js';
import { serverFixture, tempDir } from '../support/engines.js';
import {
  checkHistory,
  configure,
  eventually,
  leaseEvent,
  login,
  type Member,
  runs,
  setupGroup,
  withDb,
} from '../support/group.js';

const TIMING = {
  SMGR_LEASE_SECONDS: '4', // ten renewals: a loaded machine does not lapse it before the pause
  SMGR_LEASE_RENEW_SECONDS: '0.4',
  SMGR_WORKFLOW_INTERVAL_SECONDS: '0.5',
};
const WORKFLOWS = ['grooming', 'outbox', 'sla'];

describe('a paused workflow server and automatic failover (server)', () => {
  const fx = serverFixture();
  const root = tempDir('smgr-failover-');
  let url = '';
  let ms01: Member;
  let ms02: Member;
  const servers: ServeHandle[] = [];
  before(async () => {
    url = await fx.newDatabaseUrl();
    [ms01, ms02] = (await setupGroup(root, url, ['ms01', 'ms02'], TIMING)) as [Member, Member];
    configure(ms02, { workflowFailover: 'automatic', workflowFailoverGraceSeconds: 1 });
  });
  after(async () => {
    for (const s of servers) {
      s.child.kill('SIGCONT');
      await s.stop('SIGKILL').catch(() => {});
    }
    await fx.cleanup();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('SIGSTOP the holder: the secondary fails over by itself; after SIGCONT the old holder writes nothing', async () => {
    const a = await startServe(ms01);
    const b = await startServe(ms02);
    servers.push(a, b);
    const token = await login(b.baseUrl);
    const create = (title: string) =>
      api(b.baseUrl, 'POST', '/api/v1/work-items', { class: 'incident', title, priority: 2 }, token);
    await create('before the pause');
    await eventually('ms01 to run every workflow', async () => {
      const rows = await runs(url);
      return WORKFLOWS.every((w) =>
        rows.some((r) => r.workflow === w && r.holder === 'ms01' && r.outcome === 'ok'),
      );
    });

    a.child.kill('SIGSTOP');
    await eventually('ms02 to take the lease by itself', async () =>
      /automatic failover: took the expired workflow lease/.test(b.logs()),
    );
    const failover = await leaseEvent(url, 2);
    assert.equal(failover.event, 'failover');
    const waited = failover.at.getTime() - failover.previous_expires_at!.getTime();
    assert.ok(waited >= 1_000, `failover ${waited} ms after the expiry: not before the grace period`);
    await create('while ms01 is paused');
    await eventually('ms02 to run every workflow', async () => {
      const rows = await runs(url);
      return WORKFLOWS.every((w) =>
        rows.some((r) => r.workflow === w && r.holder === 'ms02' && r.outcome === 'ok'),
      );
    });

    a.child.kill('SIGCONT');
    await eventually('ms01 to notice', async () =>
      /lost the workflow lease \(token 1\) to ms02 \(token 2\): this server now runs as a secondary/.test(
        a.logs(),
      ),
    );
    assert.equal((await api(a.baseUrl, 'GET', '/health')).body.role, 'secondary');
    assert.equal((await api(b.baseUrl, 'GET', '/health')).body.role, 'workflow');
    // A clean stop waits for whatever ms01 had in flight: after it, ms01 can write nothing more.
    assert.equal(await a.stop(), 0);

    const all = await runs(url);
    checkHistory(all);
    for (const r of all.filter((x) => x.token === 1)) {
      assert.ok(r.started_at < failover.at, `ms01 started ${r.workflow} #${r.seq} after the failover`);
      if (r.outcome !== 'interrupted')
        assert.ok(r.finished_at! < failover.at, `ms01 finished ${r.workflow} #${r.seq} after`);
    }
    assert.ok(all.filter((x) => x.token !== 1).every((r) => r.holder === 'ms02' && r.token === 2));
    const late = await withDb(
      url,
      async (db) =>
        (
          await db.query(`SELECT 1 FROM notifications WHERE delivered_token = 1 AND delivered_at > $1`, [
            failover.at,
          ])
        ).rowCount,
    );
    assert.equal(late, 0, 'no notification marked delivered by the paused server after the failover');
    // ms02's outbox delivers what is still pending (a run that began before the last change may have missed it).
    await eventually('ms02 to deliver every pending notification', async () =>
      withDb(
        url,
        async (db) =>
          (await db.query('SELECT 1 FROM notifications WHERE delivered_at IS NULL')).rowCount === 0,
      ),
    );

    const st = JSON.parse((await runCli(['status', '--json'], ms01)).stdout);
    assert.deepEqual([msStatus(st).workflowLease.holder, msStatus(st).workflowLease.token], ['ms02', 2]);
    assert.equal(await b.stop(), 0);
    servers.length = 0;
  });
});
