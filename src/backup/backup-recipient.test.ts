/** The group's backup key pair: created on upgrade, idempotent; extra recipients from config open archives too. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { prepareServiceManager } from '../../test/support/api-fixture.js';
import { embeddedFixture, tempDir } from '../../test/support/engines.js';
import { newBackupIdentity } from './age-stream.js';
import { keksOfStorage } from './archive-keys.js';
import { ensureBackupRecipient, getBackupRecipient } from './backup-recipient.js';
import { checkArchive } from './check-archive.js';
import { createBackup } from './create-backup.js';

const engine = embeddedFixture();
const dir = tempDir('smgr-recipient-');
after(async () => {
  await engine.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('an installation without a recipient gets one (identity in secure storage first), once', async () => {
  const db = await engine.open(await engine.newDatabaseUrl());
  try {
    const p = await prepareServiceManager(db, path.join(dir, 'ss'));
    assert.equal(await getBackupRecipient(db), null);
    const recipient = await ensureBackupRecipient(db, p.storage, p.group.id);
    assert.match(recipient, /^age1[0-9a-z]+$/);
    const identity = p.storage.getBackupIdentity(p.group.id);
    assert.match(identity ?? '', /^AGE-SECRET-KEY-1/);
    assert.equal(fs.statSync(path.join(dir, 'ss', `backup-${p.group.id}.identity`)).mode & 0o777, 0o600);
    assert.equal(await ensureBackupRecipient(db, p.storage, p.group.id), recipient, 'idempotent');
    assert.equal(p.storage.getBackupIdentity(p.group.id), identity);

    const offline = await newBackupIdentity();
    const result = await createBackup({
      db,
      config: { managementGroup: p.group, backup: { extraRecipients: [offline.recipient] } },
      storage: p.storage,
      directory: path.join(dir, 'b'),
      progress: { report: () => {} },
    });
    await checkArchive(result.file, { identities: [offline.identity], keks: keksOfStorage(p.storage) });
    await checkArchive(result.file, { identities: [identity!], keks: keksOfStorage(p.storage) });
  } finally {
    await db.close();
  }
});
