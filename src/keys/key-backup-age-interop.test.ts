/**
 * docs/FORMAT.md §1.2: any stock `age -d` decrypts a key backup file, and a
 * file made by `age -p` from a key backup plaintext is read by smgr. Uses the
 * `age` command (Debian package `age`); it reads passphrases only from a
 * terminal, so it runs in a pseudo-terminal: `script -qec "age -d -o OUT FILE"
 * /dev/null` with the passphrase written to script's stdin. Skipped, with the
 * reason printed, when `age` is not on PATH.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '../../test/support/engines.js';
import { ageAvailable, runAgeInPty, sampleContent } from '../../test/support/key-backup.js';
import { decodeKeyBackup, encodeKeyBackup } from './key-backup-file.js';

const PASS = 'interop passphrase ✓';
const hasAge = ageAvailable();
const skip = hasAge ? false : 'the age command is not on PATH (apt-get install age)';
if (skip) console.log(`# skipping age interop tests: ${skip}`);

describe('key backup file and the stock age command', () => {
  const dir = tempDir('smgr-age-interop-');
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('age -d decrypts a key backup file to its JSON', { skip }, async () => {
    const content = sampleContent(['management-group', 'data-warehouse']);
    const file = path.join(dir, 'backup.smkey');
    const out = path.join(dir, 'decrypted.json');
    fs.writeFileSync(file, await encodeKeyBackup(content, PASS));
    const r = runAgeInPty(['-d', '-o', out, file], `${PASS}\n`);
    assert.equal(r.status, 0, `age -d failed: ${r.output}`);
    assert.deepEqual(JSON.parse(fs.readFileSync(out, 'utf8')), {
      format: 'smgr-key-backup',
      version: 1,
      createdAt: content.createdAt,
      computerName: content.computerName,
      managementGroup: content.managementGroup,
      keys: content.keys.map((k) => ({
        keyId: k.keyId,
        part: k.part,
        kek: k.kek.toString('base64'),
        createdAt: k.createdAt,
      })),
      backupIdentity: null,
    });
  });

  it('age -d refuses it under a wrong passphrase', { skip }, async () => {
    const file = path.join(dir, 'backup2.smkey');
    fs.writeFileSync(file, await encodeKeyBackup(sampleContent(), PASS, { workFactor: 10 }));
    const r = runAgeInPty(['-d', '-o', path.join(dir, 'nothing.json'), file], 'wrong passphrase\n');
    assert.notEqual(r.status, 0);
    assert.match(r.output, /incorrect passphrase/);
  });

  it('decodeKeyBackup reads a file made by age -p', { skip }, async () => {
    const content = sampleContent(['portal']);
    const plain = path.join(dir, 'plain.json');
    const file = path.join(dir, 'by-age.age');
    fs.writeFileSync(
      plain,
      JSON.stringify({
        format: 'smgr-key-backup',
        version: 1,
        createdAt: content.createdAt,
        computerName: content.computerName,
        managementGroup: content.managementGroup,
        keys: content.keys.map((k) => ({ ...k, kek: k.kek.toString('base64') })),
        backupIdentity: null,
      }),
    );
    const r = runAgeInPty(['-p', '-o', file, plain], `${PASS}\n${PASS}\n`);
    assert.equal(r.status, 0, `age -p failed: ${r.output}`);
    assert.match(
      fs.readFileSync(file).subarray(0, 60).toString('latin1'),
      /^age-encryption\.org\/v1\n-> scrypt /,
    );
    assert.deepEqual(await decodeKeyBackup(fs.readFileSync(file), PASS, { path: file }), content);
  });
});
