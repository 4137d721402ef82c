#!/usr/bin/env node
// Writes the key backup fixtures of test/fixtures/key-backup/ (docs/FORMAT.md §1),
// used by src/keys/key-backup-file.test.ts. Run from the repository root:
//   node scripts/make-key-backup-fixtures.mjs
// The files are committed: valid-v1.age pins format version 1 (a reader that
// stops reading it has changed the format), the others are each refused with
// their own code. They are made with the age-encryption package directly, not
// with smgr's encoder, so they do not depend on the code they test. age picks a
// random salt and nonce, so a rerun changes the bytes but not the meaning.
import fs from 'node:fs';
import path from 'node:path';
import { armor, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';

const dir = path.join('test', 'fixtures', 'key-backup');
const PASSPHRASE = 'fixture passphrase 1';
// Test keys, not secrets: bytes 0..31 and 32..63.
const kek = (from) => Buffer.from(Array.from({ length: 32 }, (_, i) => from + i)).toString('base64');

const valid = {
  format: 'smgr-key-backup',
  version: 1,
  createdAt: '2025-03-01T09:14:07.123Z',
  computerName: 'sm01',
  managementGroup: { id: '0e0f8a57-6c7d-4c55-9d5b-3d9a4f1b2c3d', name: 'Contoso SM' },
  keys: [
    {
      keyId: 'mg-9f2c41d07a3b5e66',
      part: 'management-group',
      kek: kek(0),
      createdAt: '2025-02-27T16:02:55.004Z',
    },
    { keyId: 'portal-0123456789abcdef', part: 'portal', kek: kek(32), createdAt: '2025-02-28T08:00:00.000Z' },
  ],
  backupIdentity: null,
};

/** Passphrase-encrypted, binary. logN 18 as writers use; 10 for the refused ones, to keep tests fast. */
async function withPassphrase(plaintext, logN) {
  const e = new Encrypter();
  e.setPassphrase(PASSPHRASE);
  e.setScryptWorkFactor(logN);
  return e.encrypt(plaintext);
}
const json = (doc) => `${JSON.stringify(doc, null, 2)}\n`;

const files = {
  // decodes to `valid`
  'valid-v1.age': await withPassphrase(json(valid), 18),
  // KEY_BACKUP_NOT_A_KEY_BACKUP: not an age file at all
  'not-age.bin': new TextEncoder().encode('this is not an age file\n'),
  // KEY_BACKUP_NOT_A_KEY_BACKUP: ASCII-armored age (smgr reads binary)
  'armored.age': new TextEncoder().encode(armor.encode(await withPassphrase(json(valid), 10))),
  // KEY_BACKUP_NOT_A_KEY_BACKUP: age encrypted to an X25519 recipient, not a passphrase
  'x25519.age': await (async () => {
    const e = new Encrypter();
    e.addRecipient(await identityToRecipient(await generateX25519Identity()));
    return e.encrypt(json(valid));
  })(),
  // KEY_BACKUP_NOT_A_KEY_BACKUP: the plaintext is not JSON
  'not-json.age': await withPassphrase('key: value\nthis is not JSON\n', 10),
  // KEY_BACKUP_NOT_A_KEY_BACKUP: JSON of another format
  'other-format.age': await withPassphrase(json({ format: 'something-else', version: 1 }), 10),
  // KEY_BACKUP_VERSION: version 2
  'version-2.age': await withPassphrase(json({ ...valid, version: 2 }), 10),
  // KEY_BACKUP_DAMAGED: keys[0].kek is 31 bytes
  'short-kek.age': await withPassphrase(
    json({ ...valid, keys: [{ ...valid.keys[0], kek: Buffer.alloc(31, 7).toString('base64') }] }),
    10,
  ),
};

fs.mkdirSync(dir, { recursive: true });
for (const [name, bytes] of Object.entries(files)) {
  fs.writeFileSync(path.join(dir, name), bytes);
  console.log(`${path.join(dir, name)} (${bytes.length} bytes)`);
}
fs.writeFileSync(
  path.join(dir, 'README.md'),
  `# Key backup fixtures

Made by \`node scripts/make-key-backup-fixtures.mjs\` (see that script), read by
src/keys/key-backup-file.test.ts. The passphrase of every passphrase file is
\`${PASSPHRASE}\`; the keys are test bytes, not secrets.

| file | expected |
|---|---|
| valid-v1.age | decodes (format version 1, scrypt work factor 18) |
| not-age.bin | KEY_BACKUP_NOT_A_KEY_BACKUP (not an age file) |
| armored.age | KEY_BACKUP_NOT_A_KEY_BACKUP (ASCII-armored) |
| x25519.age | KEY_BACKUP_NOT_A_KEY_BACKUP (encrypted to a key, not a passphrase) |
| not-json.age | KEY_BACKUP_NOT_A_KEY_BACKUP (content not JSON) |
| other-format.age | KEY_BACKUP_NOT_A_KEY_BACKUP (another format) |
| version-2.age | KEY_BACKUP_VERSION (version 2) |
| short-kek.age | KEY_BACKUP_DAMAGED (keys[0].kek) |

Truncated, flipped and fuzzed files are made by the tests from valid files.
`,
);
