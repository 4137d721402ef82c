import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADVISORY_LOCKS } from './advisory-locks.js';

test('every advisory lock has its own id, in smgr 8420xxx range', () => {
  const ids = Object.values(ADVISORY_LOCKS);
  assert.equal(new Set(ids).size, ids.length, 'two locks share an id');
  for (const id of ids) assert.ok(Number.isSafeInteger(id) && id >= 8420000 && id <= 8420999, `${id}`);
});
