/**
 * The key backup file (docs/FORMAT.md §1): round trip, and every way a file
 * is refused, each with its own code and message (§1.4).
 *
 * Fixtures: test/fixtures/key-backup/, made by scripts/make-key-backup-fixtures.mjs
 * with the age-encryption package directly (committed; valid-v1.age pins the
 * format). Truncated, flipped and fuzzed files are made here from fresh files.
 * Most files here use scrypt work factor 10 (the encodeKeyBackup test option)
 * so that hundreds of decodes stay fast; the round trip uses the default, 18.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Encrypter } from 'age-encryption';
import {
  FIXTURE_PASSPHRASE,
  FIXTURES,
  prng,
  randomSeed,
  sampleContent,
} from '../../test/support/key-backup.js';
import type { ErrorCode } from '../errors/error-registry.js';
import { isSmgrError, type SmgrError } from '../errors/smgr-error.js';
import { decodeKeyBackup, encodeKeyBackup, type KeyBackupContent, readKeyBackup } from './key-backup-file.js';

const PASS = 'correct horse battery';
const FAST = { workFactor: 10 };
const FILE = '/backups/sm01.smkey';

/** Asserts that `p` rejects with an SmgrError of `code` whose message matches `message`, and leaks nothing. */
async function refused(
  p: Promise<unknown>,
  code: ErrorCode,
  message: RegExp,
  secrets: string[] = [PASS],
): Promise<SmgrError> {
  let error: unknown;
  await p.then(
    () => assert.fail(`expected ${code}, but it was accepted`),
    (e) => {
      error = e;
    },
  );
  assert.ok(isSmgrError(error), `expected an SmgrError ${code}, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.match(error.message, message);
  for (const secret of secrets) {
    assert.ok(
      !error.message.includes(secret) && !error.remedy.includes(secret),
      'a secret is in the message',
    );
  }
  return error;
}

function fixture(name: string): Buffer {
  return fs.readFileSync(path.join(FIXTURES, name));
}

/** Plain age, passphrase, work factor 10: for payloads smgr's encoder would not write. */
async function ageEncrypt(plaintext: string): Promise<Uint8Array> {
  const e = new Encrypter();
  e.setPassphrase(PASS);
  e.setScryptWorkFactor(10);
  return e.encrypt(plaintext);
}

function documentOf(c: KeyBackupContent): Record<string, unknown> {
  return {
    format: 'smgr-key-backup',
    version: 1,
    createdAt: c.createdAt,
    computerName: c.computerName,
    managementGroup: c.managementGroup,
    keys: c.keys.map((k) => ({ ...k, kek: k.kek.toString('base64') })),
    backupIdentity: c.backupIdentity,
  };
}

/** Offsets in an age file: where the stanza body, the MAC line and the payload start. */
function layout(bytes: Uint8Array) {
  const text = Buffer.from(bytes).toString('latin1');
  const stanzaBody = text.indexOf('\n', text.indexOf('-> scrypt ')) + 1;
  const macLine = text.indexOf('\n--- ') + 1;
  const payload = text.indexOf('\n', macLine) + 1;
  return { stanzaBody, macLine, payload };
}

/** Replaces the base64 character at `at` with another base64 character. */
function changeBase64Char(bytes: Uint8Array, at: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[at] = out[at] === 0x41 ? 0x42 : 0x41; // 'A' <-> 'B'
  return out;
}

function flipByte(bytes: Uint8Array, at: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[at] = (out[at] ?? 0) ^ 0x01;
  return out;
}

describe('key backup file', () => {
  it('round-trips at the default work factor: binary age, one scrypt stanza, logN 18', async () => {
    const content = sampleContent(['management-group', 'data-warehouse', 'portal']);
    const bytes = await encodeKeyBackup(content, PASS);
    const header = Buffer.from(bytes).toString('latin1').split('\n');
    assert.equal(header[0], 'age-encryption.org/v1');
    assert.match(header[1] ?? '', /^-> scrypt [A-Za-z0-9+/]{22} 18$/);
    assert.match(header[3] ?? '', /^--- /, 'exactly one stanza');
    assert.ok(!Buffer.from(bytes).toString('latin1').includes('BEGIN AGE'), 'not armored');
    assert.deepEqual(await decodeKeyBackup(bytes, PASS), content);
  });

  it('round-trips a backup identity and a passphrase of any characters', async () => {
    const { generateIdentity } = await import('age-encryption');
    const content = { ...sampleContent(), backupIdentity: await generateIdentity() };
    const pass = 'pässwörd ✓ 🔑 with spaces';
    assert.deepEqual(await decodeKeyBackup(await encodeKeyBackup(content, pass, FAST), pass), content);
  });

  it('reads the committed version 1 fixture', async () => {
    const content = await decodeKeyBackup(fixture('valid-v1.age'), FIXTURE_PASSPHRASE);
    assert.equal(content.computerName, 'sm01');
    assert.deepEqual(content.managementGroup, {
      id: '0e0f8a57-6c7d-4c55-9d5b-3d9a4f1b2c3d',
      name: 'Contoso SM',
    });
    assert.deepEqual(
      content.keys.map((k) => [k.keyId, k.part, k.kek.toString('hex'), k.createdAt]),
      [
        [
          'mg-9f2c41d07a3b5e66',
          'management-group',
          Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('hex'),
          '2025-02-27T16:02:55.004Z',
        ],
        [
          'portal-0123456789abcdef',
          'portal',
          Buffer.from(Array.from({ length: 32 }, (_, i) => 32 + i)).toString('hex'),
          '2025-02-28T08:00:00.000Z',
        ],
      ],
    );
    assert.equal(content.backupIdentity, null);
  });

  it('refuses a wrong passphrase: KEY_BACKUP_WRONG_PASSPHRASE, naming the file', async () => {
    const content = sampleContent();
    const bytes = await encodeKeyBackup(content, PASS, FAST);
    const e = await refused(
      decodeKeyBackup(bytes, 'not the passphrase', { path: FILE }),
      'KEY_BACKUP_WRONG_PASSPHRASE',
      /^The passphrase does not open the key backup file \/backups\/sm01\.smkey /,
      [PASS, 'not the passphrase', content.keys[0]!.kek.toString('base64')],
    );
    assert.match(e.remedy, /cannot be recovered/);
  });

  it('refuses a file truncated anywhere', async () => {
    const bytes = await encodeKeyBackup(sampleContent(), PASS, FAST);
    const { stanzaBody, macLine, payload } = layout(bytes);
    // Shorter than the age version line: nothing says it was ever an age file.
    for (const length of [0, 1, 10, 21]) {
      await refused(
        decodeKeyBackup(bytes.subarray(0, length), PASS, { path: FILE }),
        'KEY_BACKUP_NOT_A_KEY_BACKUP',
        /^The file \/backups\/sm01\.smkey is not an smgr key backup: it is not an age file\.$/,
      );
    }
    const cuts = [
      22,
      30,
      stanzaBody + 5,
      macLine,
      macLine + 10,
      payload - 1,
      payload,
      payload + 8,
      payload + 16,
    ];
    for (const length of [...cuts, payload + 40, bytes.length - 17, bytes.length - 16, bytes.length - 1]) {
      await refused(
        decodeKeyBackup(bytes.subarray(0, length), PASS, { path: FILE }),
        'KEY_BACKUP_DAMAGED',
        /^The key backup file \/backups\/sm01\.smkey is damaged: /,
      );
    }
    await refused(
      decodeKeyBackup(bytes.subarray(0, payload + 40), PASS, { path: FILE }),
      'KEY_BACKUP_DAMAGED',
      /is damaged: it is truncated, or was altered after it was written\.$/,
    );
  });

  it('refuses a file with bytes added at the end', async () => {
    const bytes = await encodeKeyBackup(sampleContent(), PASS, FAST);
    await refused(
      decodeKeyBackup(Buffer.concat([bytes, Buffer.from([0])]), PASS, { path: FILE }),
      'KEY_BACKUP_DAMAGED',
      /is damaged: it is truncated, or was altered/,
    );
  });

  it('refuses a changed header: MAC → DAMAGED, stanza → WRONG_PASSPHRASE (age cannot tell), version line → NOT_A_KEY_BACKUP', async () => {
    const bytes = await encodeKeyBackup(sampleContent(), PASS, FAST);
    const { stanzaBody, macLine } = layout(bytes);
    await refused(
      decodeKeyBackup(changeBase64Char(bytes, macLine + 4), PASS, { path: FILE }),
      'KEY_BACKUP_DAMAGED',
      /is damaged: it is truncated, or was altered after it was written\.$/,
    );
    await refused(
      decodeKeyBackup(changeBase64Char(bytes, stanzaBody), PASS, { path: FILE }),
      'KEY_BACKUP_WRONG_PASSPHRASE',
      /or the file header was altered/,
    );
    await refused(
      decodeKeyBackup(changeBase64Char(bytes, '-> scrypt '.length + 22), PASS, { path: FILE }), // the salt
      'KEY_BACKUP_WRONG_PASSPHRASE',
      /does not open/,
    );
    await refused(
      decodeKeyBackup(flipByte(bytes, 3), PASS, { path: FILE }),
      'KEY_BACKUP_NOT_A_KEY_BACKUP',
      /it is not an age file/,
    );
    await refused(
      decodeKeyBackup(flipByte(bytes, stanzaBody - 1), PASS, { path: FILE }), // the stanza line's newline
      'KEY_BACKUP_DAMAGED',
      /is damaged: /,
    );
  });

  it('refuses a changed payload byte (nonce, ciphertext, tag): KEY_BACKUP_DAMAGED', async () => {
    const bytes = await encodeKeyBackup(sampleContent(), PASS, FAST);
    const { payload } = layout(bytes);
    for (const at of [payload, payload + 15, payload + 16, payload + 100, bytes.length - 1]) {
      await refused(
        decodeKeyBackup(flipByte(bytes, at), PASS, { path: FILE }),
        'KEY_BACKUP_DAMAGED',
        /^The key backup file \/backups\/sm01\.smkey is damaged: it is truncated, or was altered after it was written\.$/,
      );
    }
  });

  it('refuses a file that is not age, armored age, or age to a key: KEY_BACKUP_NOT_A_KEY_BACKUP', async () => {
    const cases: [string, RegExp][] = [
      ['not-age.bin', /is not an smgr key backup: it is not an age file\.$/],
      [
        'armored.age',
        /is not an smgr key backup: it is an ASCII-armored age file, and smgr writes binary ones\.$/,
      ],
      [
        'x25519.age',
        /is not an smgr key backup: it is an age file encrypted to a key, not with a passphrase\.$/,
      ],
    ];
    for (const [name, message] of cases) {
      await refused(
        decodeKeyBackup(fixture(name), FIXTURE_PASSPHRASE, { path: name }),
        'KEY_BACKUP_NOT_A_KEY_BACKUP',
        message,
      );
    }
  });

  it('refuses an age file of a non-JSON payload or of another format: KEY_BACKUP_NOT_A_KEY_BACKUP', async () => {
    await refused(
      decodeKeyBackup(fixture('not-json.age'), FIXTURE_PASSPHRASE, { path: FILE }),
      'KEY_BACKUP_NOT_A_KEY_BACKUP',
      /^The file \/backups\/sm01\.smkey is not an smgr key backup: its content is not JSON\.$/,
    );
    await refused(
      decodeKeyBackup(fixture('other-format.age'), FIXTURE_PASSPHRASE, { path: FILE }),
      'KEY_BACKUP_NOT_A_KEY_BACKUP',
      /is not an smgr key backup: its content is not of format "smgr-key-backup"\.$/,
    );
    for (const payload of ['[1,2]', '"smgr-key-backup"', 'null', '{"version":1}', '\u0000\u00ff']) {
      await refused(decodeKeyBackup(await ageEncrypt(payload), PASS), 'KEY_BACKUP_NOT_A_KEY_BACKUP', /not/);
    }
    await refused(
      decodeKeyBackup(Buffer.concat([await ageEncrypt('x'), Buffer.from([])]), PASS),
      'KEY_BACKUP_NOT_A_KEY_BACKUP',
      /its content is not JSON/,
    );
    // invalid UTF-8
    const e = new Encrypter();
    e.setPassphrase(PASS);
    e.setScryptWorkFactor(10);
    await refused(
      decodeKeyBackup(await e.encrypt(Uint8Array.from([0x7b, 0xff, 0x7d])), PASS),
      'KEY_BACKUP_NOT_A_KEY_BACKUP',
      /its content is not JSON/,
    );
  });

  it('refuses version 2, naming it: KEY_BACKUP_VERSION', async () => {
    const e = await refused(
      decodeKeyBackup(fixture('version-2.age'), FIXTURE_PASSPHRASE, { path: FILE }),
      'KEY_BACKUP_VERSION',
      /^The key backup file \/backups\/sm01\.smkey has format version 2; this smgr reads version 1\.$/,
    );
    assert.match(e.remedy, /smgr version that wrote it/);
    // The version is checked before the other members.
    await refused(
      decodeKeyBackup(await ageEncrypt(JSON.stringify({ format: 'smgr-key-backup', version: 7 })), PASS),
      'KEY_BACKUP_VERSION',
      /format version 7;/,
    );
  });

  it('refuses an invalid member, naming it: KEY_BACKUP_DAMAGED', async () => {
    await refused(
      decodeKeyBackup(fixture('short-kek.age'), FIXTURE_PASSPHRASE, { path: FILE }),
      'KEY_BACKUP_DAMAGED',
      /^The key backup file \/backups\/sm01\.smkey is damaged: keys\[0\]\.kek is not base64 of 32 bytes\.$/,
    );
    const good = documentOf(sampleContent(['management-group', 'portal']));
    const keys = good.keys as Record<string, unknown>[];
    const cases: [string, Record<string, unknown>][] = [
      ['version is missing or not an integer', { ...good, version: '1' }],
      ['createdAt is not an ISO 8601 time', { ...good, createdAt: 'yesterday' }],
      ['computerName is not a valid computer name', { ...good, computerName: 'SM 01' }],
      ['managementGroup is missing', { ...good, managementGroup: undefined }],
      ['managementGroup.id is not a UUID', { ...good, managementGroup: { id: 'abc', name: 'Contoso' } }],
      [
        'managementGroup.name is not a valid group name',
        { ...good, managementGroup: { id: (good.managementGroup as { id: string }).id, name: '' } },
      ],
      ['keys is missing or empty', { ...good, keys: [] }],
      ['keys[1] is not an object', { ...good, keys: [keys[0], 'x'] }],
      ['keys[0].part is not a known part', { ...good, keys: [{ ...keys[0], part: 'workflow' }] }],
      ['keys[0].keyId is not a key id', { ...good, keys: [{ ...keys[0], keyId: 'mg-XYZ' }] }],
      [
        'keys[0].keyId does not match its part',
        { ...good, keys: [{ ...keys[0], keyId: 'dw-0123456789abcdef' }] },
      ],
      [
        'keys[1].keyId appears twice',
        { ...good, keys: [keys[0], { ...keys[1], keyId: keys[0]?.keyId, part: keys[0]?.part }] },
      ],
      [
        'keys[1].part appears twice',
        { ...good, keys: [keys[0], { ...keys[1], keyId: 'mg-0123456789abcdef', part: 'management-group' }] },
      ],
      [
        'keys[0].kek is not base64 of 32 bytes',
        { ...good, keys: [{ ...keys[0], kek: Buffer.alloc(33).toString('base64') }] },
      ],
      [
        'keys[0].kek is not base64 of 32 bytes',
        { ...good, keys: [{ ...keys[0], kek: `${'A'.repeat(42)}B=` }] },
      ],
      ['keys[0].createdAt is not an ISO 8601 time', { ...good, keys: [{ ...keys[0], createdAt: 12 }] }],
      ['backupIdentity is not an age identity', { ...good, backupIdentity: 'age1qqqq' }],
      [
        'backupIdentity is not a valid age X25519 identity',
        { ...good, backupIdentity: `AGE-SECRET-KEY-1${'Q'.repeat(58)}` },
      ],
    ];
    for (const [reason, doc] of cases) {
      await refused(
        decodeKeyBackup(await ageEncrypt(JSON.stringify(doc)), PASS, { path: FILE }),
        'KEY_BACKUP_DAMAGED',
        new RegExp(`is damaged: ${reason.replace(/[[\]().]/g, '\\$&')}\\.$`),
        [PASS, ...keys.map((k) => String(k.kek))],
      );
    }
  });

  it('ignores unknown members and accepts an absent backupIdentity', async () => {
    const content = sampleContent();
    const { backupIdentity: _, ...doc } = documentOf(content);
    const decoded = await decodeKeyBackup(await ageEncrypt(JSON.stringify({ ...doc, comment: 'hi' })), PASS);
    assert.deepEqual(decoded, content);
  });

  it('encodes only valid content under a passphrase of at least 8 characters', async () => {
    await refused(encodeKeyBackup(sampleContent(), 'short'), 'PASSWORD_TOO_SHORT', /shorter than 8/);
    const content = sampleContent();
    content.keys[0]!.kek = Buffer.alloc(16);
    await assert.rejects(encodeKeyBackup(content, PASS, FAST), /keys\[0\]\.kek is not base64 of 32 bytes/);
  });

  it('reads a file from disk, naming it in messages', async () => {
    await refused(
      readKeyBackup('/nonexistent/x.smkey', PASS),
      'FILE_UNREADABLE',
      /^Cannot read \/nonexistent\/x\.smkey: ENOENT\.$/,
    );
    const file = path.join(FIXTURES, 'not-json.age');
    await refused(
      readKeyBackup(file, FIXTURE_PASSPHRASE),
      'KEY_BACKUP_NOT_A_KEY_BACKUP',
      new RegExp(`^The file ${file} `),
    );
  });

  it('fuzz: 500 mutations each give one of the four codes, or the same content', async () => {
    const seed = Number(process.env.SMGR_FUZZ_SEED ?? randomSeed());
    const random = prng(seed);
    const int = (n: number) => Math.floor(random() * n);
    const content = sampleContent(['management-group', 'portal']);
    const valid = await encodeKeyBackup(content, PASS, FAST);
    const codes = new Set<ErrorCode>([
      'KEY_BACKUP_NOT_A_KEY_BACKUP',
      'KEY_BACKUP_WRONG_PASSPHRASE',
      'KEY_BACKUP_DAMAGED',
      'KEY_BACKUP_VERSION',
    ]);
    const seen = new Map<string, number>();
    for (let i = 0; i < 500; i++) {
      let bytes = Buffer.from(valid);
      const mutations = 1 + int(3);
      const done: string[] = [];
      for (let m = 0; m < mutations; m++) {
        const kind = int(3);
        if (kind === 0 && bytes.length > 0) {
          const at = int(bytes.length);
          bytes[at] = (bytes[at] ?? 0) ^ (1 + int(255));
          done.push(`flip@${at}`);
        } else if (kind === 1) {
          const length = int(bytes.length);
          bytes = bytes.subarray(0, length);
          done.push(`truncate@${length}`);
        } else {
          const at = int(bytes.length + 1);
          const add = Buffer.from(Array.from({ length: 1 + int(8) }, () => int(256)));
          bytes = Buffer.concat([bytes.subarray(0, at), add, bytes.subarray(at)]);
          done.push(`insert${add.length}@${at}`);
        }
      }
      const what = `seed ${seed} (SMGR_FUZZ_SEED), mutation ${i}: ${done.join(' ')}`;
      try {
        const decoded = await decodeKeyBackup(bytes, PASS, { path: FILE });
        assert.deepEqual(decoded, content, `${what}: accepted with other content`);
        seen.set('same content', (seen.get('same content') ?? 0) + 1);
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        assert.ok(isSmgrError(e), `${what}: threw ${String(e)}`);
        assert.ok(codes.has(e.code), `${what}: threw ${e.code}`);
        assert.ok(!e.message.includes(PASS), `${what}: passphrase in message`);
        seen.set(e.code, (seen.get(e.code) ?? 0) + 1);
      }
    }
    assert.ok((seen.get('KEY_BACKUP_DAMAGED') ?? 0) > 0, `seed ${seed}: no mutation was found damaged`);
  });
});
