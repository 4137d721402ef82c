/**
 * The built-in packs: sealed with smgr's release key (whose public half is
 * packs/built-in/release-key.pub.pem; the private half is kept outside the
 * repository), accepted by the import rules, and giving the API exactly the
 * classes, statuses, priorities and display prefixes it had before packs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONFIG_ITEM_CLASSES } from '../management-server/config-item-store.js';
import {
  WORK_ITEM_CLASSES,
  WORK_ITEM_PRIORITIES,
  WORK_ITEM_STATUSES,
} from '../management-server/work-item-store.js';
import { builtInPacks, releaseKeyFingerprint } from './built-in-packs.js';
import { builtInClasses } from './built-in-vocabulary.js';
import { fingerprintOf, sealVerifies } from './pack-seal.js';

test('every built-in pack is sealed with the release key and its seal verifies', () => {
  assert.deepEqual(
    builtInPacks().map((p) => p.id),
    ['smgr.configitems', 'smgr.workitems'],
  );
  for (const p of builtInPacks()) {
    assert.ok(p.seal, `${p.id} is sealed`);
    assert.equal(fingerprintOf(p.seal.publicKey), releaseKeyFingerprint(), p.id);
    assert.ok(sealVerifies(p, p.seal), p.id);
  }
});

test('the built-in packs give the API what it had before packs (no behaviour change)', () => {
  assert.deepEqual(WORK_ITEM_CLASSES, ['incident', 'service-request']);
  assert.deepEqual(WORK_ITEM_STATUSES, ['active', 'pending', 'resolved', 'closed']);
  assert.deepEqual(WORK_ITEM_PRIORITIES, [1, 2, 3, 4]);
  assert.deepEqual(CONFIG_ITEM_CLASSES, ['computer', 'user', 'service']);
  assert.deepEqual(
    builtInClasses('work-item').map((c) => [c.name, c.displayPrefix]),
    [
      ['incident', 'IR'],
      ['service-request', 'SR'],
    ],
  );
});
