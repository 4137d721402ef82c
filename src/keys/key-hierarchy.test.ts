import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  computeVerifier,
  kekMatches,
  newDek,
  newKek,
  newKeyId,
  unwrapDek,
  wrapDek,
} from './key-hierarchy.js';
import { SecretSealer } from './secret-sealer.js';

test('a KEK verifies against its own verifier only', () => {
  const kek = newKek();
  const id = newKeyId('mg');
  assert.match(id, /^mg-[0-9a-f]{16}$/);
  const v = computeVerifier(kek, id);
  assert.equal(kekMatches(kek, id, v), true);
  assert.equal(kekMatches(newKek(), id, v), false);
  assert.equal(kekMatches(kek, newKeyId('mg'), v), false);
  assert.equal(kekMatches(kek, id, v.subarray(1)), false);
});

test('a wrapped DEK opens with its KEK and key id only', () => {
  const kek = newKek();
  const dek = newDek();
  const wrapped = wrapDek(kek, 'mg-1', dek);
  assert.deepEqual(unwrapDek(kek, 'mg-1', wrapped), dek);
  assert.throws(() => unwrapDek(newKek(), 'mg-1', wrapped));
  assert.throws(() => unwrapDek(kek, 'mg-2', wrapped));
  const flipped = Buffer.from(wrapped);
  flipped[20] = (flipped[20] ?? 0) ^ 1;
  assert.throws(() => unwrapDek(kek, 'mg-1', flipped));
});

test('a sealed secret opens only in its own row, column, table and key', () => {
  const sealer = new SecretSealer('mg-1', newDek());
  const ctx = { table: 'run_as_accounts', column: 'password_sealed', row: 'a' };
  const sealed = sealer.seal('P@ssw0rd-ünïcode', ctx);
  assert.equal(sealer.open(sealed, ctx), 'P@ssw0rd-ünïcode');
  assert.ok(!sealed.includes(Buffer.from('P@ssw0rd')));
  assert.throws(() => sealer.open(sealed, { ...ctx, row: 'b' }), 'moved to another row');
  assert.throws(() => sealer.open(sealed, { ...ctx, column: 'other' }));
  assert.throws(() => sealer.open(sealed, { ...ctx, table: 'other' }));
  assert.throws(() => new SecretSealer('mg-2', newDek()).open(sealed, ctx), "another group's key");
  const tampered = Buffer.from(sealed);
  tampered[15] = (tampered[15] ?? 0) ^ 0x80;
  assert.throws(() => sealer.open(tampered, ctx));
  assert.notDeepEqual(sealer.seal('same', ctx), sealer.seal('same', ctx), 'fresh nonce each time');
});
