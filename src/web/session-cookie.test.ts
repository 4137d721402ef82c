import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { anonymousSession, SessionSealer } from './session-cookie.js';

describe('session cookie', () => {
  const key = randomBytes(32);
  const sealer = new SessionSealer(key, 'portal-0011223344556677');

  it('opens what it sealed; another key, another key id, a changed byte or an expired session open to nothing', () => {
    const s = { ...anonymousSession(), user: { username: 'alice', role: 'end-user' }, token: 'T' };
    const sealed = sealer.seal(s);
    assert.deepEqual(sealer.open(sealed), s);
    assert.equal(new SessionSealer(randomBytes(32), 'portal-0011223344556677').open(sealed), undefined);
    assert.equal(new SessionSealer(key, 'portal-ffffffffffffffff').open(sealed), undefined);
    const raw = Buffer.from(sealed, 'base64url');
    raw[20] = (raw[20] ?? 0) ^ 1;
    assert.equal(sealer.open(raw.toString('base64url')), undefined);
    assert.equal(sealer.open(sealed, s.expires + 1), undefined);
    for (const junk of [undefined, '', 'not base64!', 'AAAA', 'x'.repeat(9000)]) {
      assert.equal(sealer.open(junk), undefined);
    }
  });

  it('never shows the token in the cookie value', () => {
    const sealed = sealer.seal({ ...anonymousSession(), token: 'secret-token-value' });
    assert.ok(!Buffer.from(sealed, 'base64url').toString('latin1').includes('secret-token-value'));
  });

  it('a cookie sealed for the portal does not open in the console under the same key', () => {
    const s = { ...anonymousSession(), user: { username: 'ann', role: 'analyst' }, token: 'T' };
    const console = new SessionSealer(key, 'portal-0011223344556677', 'console');
    assert.equal(console.open(sealer.seal(s)), undefined);
    assert.equal(sealer.open(console.seal(s)), undefined);
    assert.deepEqual(console.open(console.seal(s)), s);
  });
});
