import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { EXIT, errorRegistry } from './error-registry.js';
import { renderErrorsDoc } from './errors-doc.js';
import { SmgrError } from './smgr-error.js';

test('docs/ERRORS.md is what the registry says (run npm run docs:errors after changing it)', () => {
  assert.equal(fs.readFileSync('docs/ERRORS.md', 'utf8'), renderErrorsDoc());
});

test('every registry entry has a cause and a remedy, and a usable exit code and status', () => {
  for (const [code, e] of Object.entries(errorRegistry)) {
    assert.ok(e.cause.length > 0 && e.remedy.length > 0, code);
    assert.ok((Object.values(EXIT) as number[]).includes(e.exit), code);
    assert.ok(e.status >= 400 && e.status < 600, code);
  }
});

test('an SmgrError fills its placeholders and serialises to {error, message, remedy}', () => {
  const e = new SmgrError('KEY_MISSING', { keyId: 'mg-1', group: 'G', path: '/x' });
  assert.equal(e.message, 'The encryption key mg-1 of management group "G" is not in secure storage (/x).');
  assert.deepEqual(Object.keys(e.toJSON()), ['error', 'message', 'remedy']);
  assert.equal(e.exitCode, EXIT.KEY);
});

test('the states a script must tell apart have their own exit codes, documented', () => {
  const exits = (codes: Array<keyof typeof errorRegistry>) => codes.map((c) => errorRegistry[c].exit);
  assert.deepEqual(exits(['USAGE', 'NOT_INSTALLED', 'PART_NOT_INSTALLED']), [2, 10, 10]);
  assert.deepEqual(exits(['DATABASE_LOCKED', 'SERVER_RUNNING', 'BACKUP_IN_PROGRESS']), [11, 11, 11]);
  assert.deepEqual(exits(['KEY_BACKUP_WRONG_PASSPHRASE', 'KEY_MISSING', 'KEY_MISMATCH']), [12, 13, 13]);
  const doc = renderErrorsDoc();
  for (const exit of Object.values(EXIT))
    assert.match(doc, new RegExp(`^\\| ${exit} \\| `, 'm'), `exit ${exit}`);
});
