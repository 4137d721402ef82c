/**
 * Notification subscriptions of the packs in the workflow outbox, on both
 * engines: a work item matching a subscription's class, event and criteria
 * queues its notification in the same transaction (message placeholders
 * filled, recipients resolved); one that does not match queues none; the
 * outbox workflow of the lease holder delivers it and marks it with its
 * token.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type ApiFixture, openApiFixture, TEST_COMPUTER } from '../../test/support/api-fixture.js';
import { ENGINES } from '../../test/support/engines.js';
import { docExample } from '../../test/support/pack-example.js';
import { schedulerFor } from '../../test/support/workflows.js';
import { claimLease, initLease } from '../management-group/workflow-lease.js';
import type { Notification } from '../management-server/workflows/notification-sender.js';
import { outboxWorkflow } from '../management-server/workflows/outbox.js';
import { SUBSCRIPTION_EVENT } from './subscriptions.js';

const VIP = 'contoso.servicedesk.vip';

for (const makeEngine of ENGINES) {
  describe(`notification subscriptions (${makeEngine().name})`, () => {
    let fx: ApiFixture;
    let admin: Record<string, string>;
    before(async () => {
      fx = await openApiFixture(makeEngine);
      admin = fx.auth(await fx.login());
      const r = await fx.app.inject({
        method: 'POST',
        url: '/api/v1/management-packs',
        headers: admin,
        payload: docExample(),
      });
      assert.equal(r.statusCode, 201, r.body);
    });
    after(() => fx.close());
    const subscriptionRows = async () =>
      (
        await fx.db.query<{ work_item_id: number; payload: Record<string, unknown> }>(
          'SELECT work_item_id, payload FROM notifications WHERE event = $1 ORDER BY id',
          [SUBSCRIPTION_EVENT],
        )
      ).rows;

    it('queues a notification for a matching work item only, with the message filled in', async () => {
      const create = async (payload: object) => {
        const r = await fx.app.inject({
          method: 'POST',
          url: '/api/v1/work-items',
          headers: admin,
          payload: { class: 'incident', ...payload },
        });
        assert.equal(r.statusCode, 201, r.body);
        return r.json<{ id: number; displayId: string }>();
      };
      await create({ title: 'Ordinary' });
      const vip = await create({ title: 'CEO laptop dead', assignedTo: 'bob', properties: { [VIP]: true } });
      await create({ class: 'service-request', title: 'VIP request' });
      const patch = await fx.app.inject({
        method: 'PATCH',
        url: `/api/v1/work-items/${vip.id}`,
        headers: admin,
        payload: { status: 'pending' },
      });
      assert.equal(patch.statusCode, 200, patch.body);
      assert.deepEqual(await subscriptionRows(), [
        {
          work_item_id: vip.id,
          payload: {
            subscription: 'contoso.servicedesk.vip-incidents',
            pack: 'contoso.servicedesk',
            displayId: vip.displayId,
            class: 'incident',
            subject: `VIP incident ${vip.displayId}`,
            body: 'CEO laptop dead was opened for a VIP caller.',
            recipients: ['desk-lead', 'bob'],
          },
        },
      ]);
    });

    it('the outbox workflow of the lease holder delivers it', async () => {
      await fx.db.transaction((tx) => initLease(tx, TEST_COMPUTER, 'test', 60_000));
      const tenure = (await claimLease(fx.db, TEST_COMPUTER, randomUUID(), 60_000, 3000))!;
      assert.ok(tenure);
      const sent: Notification[] = [];
      const sender = { send: async (batch: readonly Notification[]) => void sent.push(...batch) };
      await schedulerFor(fx.db, () => tenure, [
        outboxWorkflow({ intervalMs: 1, batchSize: 10 }, sender),
      ]).runDue();
      const delivered = sent.filter((n) => n.event === SUBSCRIPTION_EVENT);
      assert.equal(delivered.length, 1);
      assert.deepEqual(delivered[0]!.payload.recipients, ['desk-lead', 'bob']);
      const marked = await fx.db.query<{ delivered_token: number }>(
        'SELECT delivered_token FROM notifications WHERE event = $1',
        [SUBSCRIPTION_EVENT],
      );
      assert.equal(Number(marked.rows[0]!.delivered_token), tenure.token);
    });
  });
}
