import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeChange, localPath } from './portal-pages.js';

describe('portal pages helpers', () => {
  it('after sign-in, goes only to a path of this portal', () => {
    assert.equal(localPath('/requests/IR4'), '/requests/IR4');
    assert.equal(localPath('/?q=laptop'), '/?q=laptop');
    for (const bad of [
      undefined,
      '',
      '//evil.example/',
      '/\\evil.example',
      'https://evil.example/',
      'requests',
      '/sign-in',
      '/a b',
    ]) {
      assert.equal(localPath(bad), '/', String(bad));
    }
  });

  it('tells a history entry in words', () => {
    assert.equal(describeChange({ created: { title: 'x' } }), 'opened the request');
    assert.equal(
      describeChange({ changed: { status: 'resolved', assignedTo: 'ann' } }),
      'changed the status to resolved, changed the assignee',
    );
    assert.equal(describeChange({ commented: { id: 1, private: false } }), 'added a comment');
    assert.equal(
      describeChange({ approvalRequested: { id: 1, approver: 'alice' } }),
      'asked alice for approval',
    );
    assert.equal(
      describeChange({ approval: { id: 1, decision: 'approved' } }),
      'answered an approval: approved',
    );
    assert.equal(describeChange({ somethingNew: 1 }), 'changed the request');
  });
});
