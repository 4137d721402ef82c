import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { errorRegistry } from './error-registry.js';
import { renderErrorsDoc } from './errors-doc.js';
import { SmgrError } from './smgr-error.js';

test('docs/ERRORS.md is what the registry says (run npm run docs:errors after changing it)', () => {
  assert.equal(fs.readFileSync('docs/ERRORS.md', 'utf8'), renderErrorsDoc());
});

test('every registry entry has a cause and a remedy, and a usable exit code and status', () => {
  for (const [code, e] of Object.entries(errorRegistry)) {
    assert.ok(e.cause.length > 0 && e.remedy.length > 0, code);
    assert.ok(e.exit === 1 || e.exit === 2, code);
    assert.ok(e.status >= 400 && e.status < 600, code);
  }
});

test('an SmgrError fills its placeholders and serialises to {error, message, remedy}', () => {
  const e = new SmgrError('KEY_MISSING', { keyId: 'mg-1', group: 'G', path: '/x' });
  assert.equal(e.message, 'The encryption key mg-1 of management group "G" is not in secure storage (/x).');
  assert.deepEqual(Object.keys(e.toJSON()), ['error', 'message', 'remedy']);
  assert.equal(e.exitCode, 1);
});
