/** Lease and workflow settings: defaults, the management server's config keys, environment, refusals. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isSmgrError } from '../errors/smgr-error.js';
import { workflowSettings } from '../management-server/workflows/workflow-settings.js';
import { leaseSettings } from './lease-settings.js';

/** The management server's config entry (parts["management-server"]), with `ms` merged in. */
const config = (ms: Record<string, unknown> = {}): Record<string, unknown> => ({
  managementGroup: { id: 'g', name: 'G' },
  database: 'pglite:/x',
  keyId: 'mg-1',
  listen: '127.0.0.1:0',
  ...ms,
});

const invalid = (re: RegExp) => (e: unknown) =>
  isSmgrError(e) && e.code === 'CONFIG_INVALID' && re.test(e.message);

describe('lease settings', () => {
  test('defaults: 30 s lease renewed every 10 s, manual failover with a 30 s grace', () => {
    const s = leaseSettings(config(), 'c.json', {});
    assert.deepEqual(
      [s.leaseMs, s.renewMs, s.failover, s.graceMs, s.fenceIdleMs],
      [30_000, 10_000, 'manual', 30_000, 5_000],
    );
  });

  test("from the management server's config entry; the environment wins", () => {
    const s = leaseSettings(
      config({ workflowLeaseSeconds: 6, workflowFailoverGraceSeconds: 2, workflowFailover: 'automatic' }),
      'c.json',
      {},
    );
    assert.deepEqual([s.leaseMs, s.renewMs, s.failover, s.graceMs], [6_000, 2_000, 'automatic', 2_000]);
    const e = leaseSettings(config({ workflowLeaseSeconds: 6 }), 'c.json', {
      SMGR_LEASE_SECONDS: '3',
      SMGR_LEASE_RENEW_SECONDS: '0.5',
    });
    assert.deepEqual([e.leaseMs, e.renewMs], [3_000, 500]);
  });

  test('refusals name the file and the key', () => {
    assert.throws(
      () => leaseSettings(config({ workflowLeaseSeconds: 5, workflowLeaseRenewSeconds: 5 }), 'c.json', {}),
      invalid(/c\.json.*renew interval \(5 s\) must be shorter than the lease \(5 s\)/),
    );
    assert.throws(
      () => leaseSettings(config({ workflowFailover: 'sometimes' }), 'c.json', {}),
      invalid(/workflowFailover must be "manual" or "automatic"/),
    );
    assert.throws(
      () => leaseSettings(config({ workflowLeaseSeconds: -1 }), 'c.json', {}),
      invalid(/workflowLeaseSeconds must be a number above 0/),
    );
    assert.throws(
      () => leaseSettings(config(), 'c.json', { SMGR_LEASE_SECONDS: 'soon' }),
      (e) => isSmgrError(e) && e.code === 'USAGE',
    );
  });
});

describe('workflow settings', () => {
  test('defaults, overrides, and the interval override of the environment', () => {
    const d = workflowSettings(config(), 'c.json', {});
    assert.deepEqual(
      [d.grooming.intervalMs, d.grooming.retentionDays, d.sla.intervalMs, d.outbox.intervalMs, d.tickMs],
      [3_600_000, 90, 60_000, 10_000, 1_000],
    );
    assert.deepEqual(d.sla.resolveWithinHours, { 1: 4, 2: 8, 3: 24, 4: 72 });
    const s = workflowSettings(
      config({ workflows: { grooming: { retentionDays: 7 }, sla: { resolveWithinHours: { '1': 1 } } } }),
      'c.json',
      { SMGR_WORKFLOW_INTERVAL_SECONDS: '0.5' },
    );
    assert.equal(s.grooming.retentionDays, 7);
    assert.equal(s.sla.resolveWithinHours[1], 1);
    assert.equal(s.sla.resolveWithinHours[2], 8);
    assert.deepEqual(
      [s.grooming.intervalMs, s.sla.intervalMs, s.outbox.intervalMs, s.tickMs],
      [500, 500, 500, 250],
    );
  });

  test('refusals', () => {
    assert.throws(
      () =>
        workflowSettings(config({ workflows: { sla: { resolveWithinHours: { '5': 1 } } } }), 'c.json', {}),
      invalid(/no priority 5/),
    );
    assert.throws(
      () => workflowSettings(config({ workflows: { outbox: { batchSize: 1.5 } } }), 'c.json', {}),
      invalid(/workflows\.outbox\.batchSize must be a whole number above 0/),
    );
  });
});
