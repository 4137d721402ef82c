/**
 * The outbox on both engines: delivered in order and marked once with the
 * holder's token; a failing sender leaves the batch for the next run; a lease
 * lost between send and mark means the next holder sends it again (at least
 * once) and marks it. The default sender's file.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ENGINES, tempDir } from '../../../test/support/engines.js';
import { FAST } from '../../../test/support/lease.js';
import { openClaimedGroup, schedulerFor } from '../../../test/support/workflows.js';
import { promote } from '../../management-group/promote.js';
import { claimLease } from '../../management-group/workflow-lease.js';
import { fileSender, type Notification, type NotificationSender } from './notification-sender.js';
import { outboxWorkflow } from './outbox.js';

const settings = { intervalMs: 1, batchSize: 2 };

function recorder(): NotificationSender & {
  sent: Array<[number, number]>;
  fail: boolean;
  onSend?: () => Promise<void>;
} {
  const r = {
    sent: [] as Array<[number, number]>,
    fail: false,
    onSend: undefined as undefined | (() => Promise<void>),
    async send(batch: readonly Notification[], from: { token: number }) {
      if (r.fail) throw new Error('smtp down');
      for (const n of batch) r.sent.push([n.id, from.token]);
      await r.onSend?.();
    },
  };
  return r;
}

async function queue(db: import('../../db/database.js').Database, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await db.query(
      `INSERT INTO notifications (work_item_id, event, payload) VALUES ($1, 'work-item.created', '{}')`,
      [i + 1],
    );
  }
}

for (const makeFixture of ENGINES) {
  const fx = makeFixture();
  describe(`outbox workflow (${fx.name})`, () => {
    after(() => fx.cleanup());

    test('delivers in id order, in batches, and marks each notification once with the holder and token', async () => {
      const { db, tenure } = await openClaimedGroup(fx);
      try {
        await queue(db, 5);
        const sender = recorder();
        await schedulerFor(db, () => tenure, [outboxWorkflow(settings, sender)]).runDue();
        assert.deepEqual(
          sender.sent.map(([id]) => id),
          [1, 2, 3, 4, 5],
        );
        const marks = await db.query<{ delivered_by: string; delivered_token: number; attempts: number }>(
          `SELECT DISTINCT delivered_by, delivered_token, attempts FROM notifications`,
        );
        assert.deepEqual(marks.rows, [{ delivered_by: 'ms01', delivered_token: tenure.token, attempts: 1 }]);
        await schedulerFor(db, () => tenure, [outboxWorkflow(settings, sender)]).runDue();
        assert.equal(sender.sent.length, 5, 'nothing is sent twice');
      } finally {
        await db.close();
      }
    });

    test('a failing sender fails the run and leaves the batch for the next run', async () => {
      const { db, tenure } = await openClaimedGroup(fx);
      try {
        await queue(db, 1);
        const sender = recorder();
        sender.fail = true;
        await schedulerFor(db, () => tenure, [outboxWorkflow(settings, sender)]).runDue();
        const failed = await db.query<{ outcome: string; error: string; counts: object }>(
          `SELECT outcome, error, counts FROM workflow_runs`,
        );
        assert.deepEqual(failed.rows, [
          { outcome: 'failed', error: 'Error', counts: { delivered: 0, failed: 1 } },
        ]);
        const n = await db.query<{ attempts: number; delivered_at: Date | null; last_error: string }>(
          'SELECT attempts, delivered_at, last_error FROM notifications',
        );
        assert.deepEqual(n.rows, [
          { attempts: 1, delivered_at: null, last_error: 'the notification sender failed' },
        ]);
        sender.fail = false;
        await schedulerFor(db, () => tenure, [outboxWorkflow(settings, sender)]).runDue();
        assert.deepEqual(sender.sent, [[1, tenure.token]]);
      } finally {
        await db.close();
      }
    });

    test('a lease lost between send and mark: the next holder sends again and marks it, once', async () => {
      const { db, tenure } = await openClaimedGroup(fx);
      try {
        await queue(db, 1);
        const sender = recorder();
        sender.onSend = async () => {
          sender.onSend = undefined;
          await promote(db, { computer: 'ms02', force: true, actor: 't', settings: FAST });
        };
        await schedulerFor(db, () => tenure, [outboxWorkflow(settings, sender)]).runDue();
        const pending = await db.query('SELECT 1 FROM notifications WHERE delivered_at IS NULL');
        assert.equal(pending.rowCount, 1, 'the fenced mark was refused');
        const t2 = (await claimLease(db, 'ms02', 'a0000000-0000-4000-8000-000000000002', 60_000, 3000))!;
        await schedulerFor(db, () => t2, [outboxWorkflow(settings, sender)]).runDue();
        assert.deepEqual(sender.sent, [
          [1, tenure.token],
          [1, t2.token],
        ]);
        const runs = await db.query<{ holder: string; outcome: string }>(
          'SELECT holder, outcome FROM workflow_runs ORDER BY seq',
        );
        assert.deepEqual(runs.rows, [
          { holder: 'ms01', outcome: 'interrupted' },
          { holder: 'ms02', outcome: 'ok' },
        ]);
        const mark = await db.query<{ delivered_by: string; delivered_token: number }>(
          'SELECT delivered_by, delivered_token FROM notifications',
        );
        assert.deepEqual(mark.rows, [{ delivered_by: 'ms02', delivered_token: t2.token }]);
      } finally {
        await db.close();
      }
    });
  });
}

describe('the default notification sender', () => {
  test('appends one JSON line per notification, with id and token, to a 0600 file', async () => {
    const dir = tempDir();
    try {
      const file = path.join(dir, 'notifications.log');
      const sender = fileSender(file);
      const n = (id: number): Notification => ({
        id,
        workItemId: 7,
        event: 'work-item.created',
        payload: { displayId: 'IR7' },
        createdAt: '2026-01-01T00:00:00.000Z',
      });
      await sender.send([n(1), n(2)], { holder: 'ms01', token: 3 });
      await sender.send([n(3)], { holder: 'ms02', token: 4 });
      const lines = fs
        .readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        lines.map((l) => [l.id, l.deliveredBy, l.token, l.payload.displayId]),
        [
          [1, 'ms01', 3, 'IR7'],
          [2, 'ms01', 3, 'IR7'],
          [3, 'ms02', 4, 'IR7'],
        ],
      );
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
