/**
 * What Load derives from one work item's versions (docs/DATA-WAREHOUSE.md
 * §4), pure: stays merge consecutive equal values and drop zero-length ones,
 * a reopened item has no resolution until resolved again (then the last
 * transition counts), a deleted (groomed) version ends no stay, the SLA
 * candidate needs a target and a breach or a resolution.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveWorkItem, type RepoWorkItemVersion } from './load-derive.js';

let n = 0;
function v(at: string, fields: Partial<RepoWorkItemVersion> = {}): RepoWorkItemVersion {
  n += 1;
  return {
    position: `1-${n}-${n}`,
    work_item_id: 7,
    valid_from: at,
    valid_to: null,
    deleted: false,
    class: 'incident',
    display_id: 'IR7',
    title: 't',
    status: 'active',
    status_item: null,
    priority: 2,
    priority_item: 'p2',
    classification_item: null,
    assigned_to: null,
    affected_user: null,
    config_items: [],
    properties: {},
    created_at: '2026-11-01T00:00:00.000000Z',
    resolve_by: null,
    breached_at: null,
    ...fields,
  };
}
const none = () => undefined;

test('stays: equal values merged, zero-length dropped, a delete ends nothing', () => {
  const d = deriveWorkItem(
    [
      v('2026-11-01T00:00:00.000000Z', { assigned_to: 'ann' }),
      v('2026-11-01T01:00:00.000000Z', { assigned_to: 'ann', title: 'retitled' }),
      v('2026-11-01T02:00:00.000000Z', { status: 'pending', assigned_to: 'bob' }),
      v('2026-11-01T02:00:00.000000Z', { status: 'active', assigned_to: 'ann' }),
      v('2026-11-01T03:00:00.000000Z', { status: 'active', assigned_to: 'ann', deleted: true }),
    ],
    none,
  );
  assert.deepEqual(
    d.statuses.map((s) => [s.status, s.entered_at, s.left_at]),
    [['active', '2026-11-01T00:00:00.000000Z', null]],
  );
  assert.deepEqual(
    d.assigned.map((s) => [s.username, s.ended_at]),
    [['ann', null]],
  );
  assert.equal(d.dims.length, 5);
  assert.deepEqual(
    d.dims.map((x) => [x.is_current, x.removed]),
    [
      [false, false],
      [false, false],
      [false, false],
      [false, false],
      [true, true],
    ],
  );
});

test('resolution: none while reopened; the last transition from open once resolved again', () => {
  const vs = [
    v('2026-11-01T00:00:00.000000Z'),
    v('2026-11-02T00:00:00.000000Z', { status: 'resolved', priority_item: 'p3' }),
    v('2026-11-03T00:00:00.000000Z', { status: 'active' }),
  ];
  assert.equal(deriveWorkItem(vs, none).resolved, undefined);
  const again = deriveWorkItem(
    [
      ...vs,
      v('2026-11-04T00:00:00.000000Z', { status: 'resolved', priority_item: 'p1' }),
      v('2026-11-05T00:00:00.000000Z', { status: 'closed' }),
    ],
    none,
  );
  assert.equal(again.resolved?.resolved_at, '2026-11-04T00:00:00.000000Z');
  assert.equal(again.resolved?.priority_item, 'p1');
});

test('configuration items: a stay per item while related; names through the resolver; unknown left out', () => {
  const d = deriveWorkItem(
    [
      v('2026-11-01T00:00:00.000000Z', { config_items: [3, 'web01', 'nosuch'] }),
      v('2026-11-02T00:00:00.000000Z', { config_items: ['web01'] }),
    ],
    (ref) => (ref === 'web01' ? 9 : typeof ref === 'number' ? ref : undefined),
  );
  assert.deepEqual(
    d.configItems.map((c) => [c.config_item_id, c.ended_at]),
    [
      [3, '2026-11-02T00:00:00.000000Z'],
      [9, null],
    ],
  );
});

test('SLA: a target and a breach or a resolution', () => {
  const target = { resolve_by: '2026-11-02T00:00:00.000000Z' };
  assert.equal(deriveWorkItem([v('2026-11-01T00:00:00.000000Z', target)], none).sla, undefined);
  const met = deriveWorkItem(
    [
      v('2026-11-01T00:00:00.000000Z', target),
      v('2026-11-01T05:00:00.000000Z', { ...target, status: 'resolved' }),
    ],
    none,
  );
  assert.equal(met.sla?.resolved_at, '2026-11-01T05:00:00.000000Z');
  const breached = deriveWorkItem(
    [v('2026-11-01T00:00:00.000000Z', { ...target, breached_at: '2026-11-02T00:00:01.000000Z' })],
    none,
  );
  assert.equal(breached.sla?.breached_at, '2026-11-02T00:00:01.000000Z');
});
