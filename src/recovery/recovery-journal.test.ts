/**
 * The recover journal: written 0600 on open, each begin/done replaces it
 * whole, a reader sees what was written, and a journal of other inputs is
 * refused naming what differs.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '../../test/support/engines.js';
import { homePaths } from '../computer/home.js';
import { isSmgrError } from '../errors/smgr-error.js';
import {
  checkJournalInputs,
  journalPath,
  type RecoveryInputs,
  RecoveryJournal,
  readJournal,
} from './recovery-journal.js';

const inputs: RecoveryInputs = {
  managementGroup: { id: '7a1f3c2e-0000-4000-8000-000000000001', name: 'Contoso' },
  computerName: 'ms01',
  keyIds: ['mg-0123456789abcdef'],
  archive: { file: '/backups/a.smbak', bytes: 1234 },
  databases: ['pglite:/x/ServiceManager'],
};

describe('recover journal', () => {
  const root = tempDir('smgr-journal-');
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('is written on open (0600, in a new home), and records steps begun and done', () => {
    const home = homePaths(path.join(root, 'new-home'));
    assert.equal(readJournal(home), undefined);
    const j = RecoveryJournal.open(home, inputs);
    assert.equal(fs.statSync(journalPath(home)).mode & 0o777, 0o600);
    j.begin('keys');
    assert.equal(readJournal(home)?.steps.keys?.doneAt, undefined);
    j.done('keys', 'restored mg-0123456789abcdef');
    j.begin('doctor');
    const read = readJournal(home)!;
    assert.equal(read.id, j.doc.id);
    assert.ok(read.steps.keys?.doneAt);
    assert.ok(read.steps.doctor?.begunAt && !read.steps.doctor.doneAt);
    const resumed = RecoveryJournal.open(home, inputs, read);
    assert.equal(resumed.isDone('keys'), true);
    assert.equal(resumed.wasBegun('doctor'), true);
    assert.equal(resumed.isDone('doctor'), false);
    assert.deepEqual(
      fs.readdirSync(home.root).filter((n) => n.startsWith('.tmp-')),
      [],
    );
  });

  it('refuses a journal of other inputs, naming them', () => {
    const home = homePaths(path.join(root, 'other'));
    const doc = RecoveryJournal.open(home, inputs).doc;
    checkJournalInputs(home, doc, structuredClone(inputs));
    try {
      checkJournalInputs(home, doc, { ...inputs, archive: null, computerName: 'ms02' });
      assert.fail('not refused');
    } catch (e) {
      assert.ok(isSmgrError(e));
      assert.equal(e.code, 'RECOVER_JOURNAL_MISMATCH');
      assert.match(e.message, /computerName, archive/);
    }
  });

  it('refuses a file that is not a journal', () => {
    const home = homePaths(path.join(root, 'bad'));
    fs.mkdirSync(home.root);
    fs.writeFileSync(journalPath(home), '{"format":"something else"}');
    assert.throws(
      () => readJournal(home),
      (e) => isSmgrError(e) && e.code === 'FILE_UNREADABLE',
    );
  });
});
