/**
 * age-stream.ts: round trips through pipeline() with input in random pieces,
 * several recipients, the STREAM rules (final chunk, empty final chunk,
 * order, truncation), tampering anywhere, header limits, and that nothing
 * unauthenticated is ever emitted. Files the encoder would never write are
 * crafted here from the header helpers and Node's cipher.
 */
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { Encrypter } from 'age-encryption';
import {
  pseudoRandomBytes,
  type Run,
  randomPieces,
  runThrough,
  seededRandom,
  sha256,
} from '../../test/support/age-streams.js';
import { encodeHeader, hkdf, type Stanza } from './age-header.js';
import { parseRecipients, wrapFileKey } from './age-keys.js';
import {
  AgeFormatError,
  type AgeFormatErrorKind,
  createAgeDecryptStream,
  createAgeEncryptStream,
  isRecipient,
  newBackupIdentity,
  recipientOf,
} from './age-stream.js';

const CHUNK = 64 * 1024;
const SEALED = CHUNK + 16;
const KiB = 1024;

const me = await newBackupIdentity();
const other = await newBackupIdentity();

const encrypt = async (plain: Buffer, recipients = [me.recipient], seed?: number) => {
  const r = await runThrough(createAgeEncryptStream(recipients), plain, seed);
  assert.equal(r.error, null);
  return r.output;
};
const decrypt = (file: Buffer, identities = [me.identity], seed?: number) =>
  runThrough(createAgeDecryptStream(identities), file, seed);

/** The length of the header, MAC line included (the payload nonce follows). */
const headerLength = (file: Buffer) => file.indexOf('\n', file.indexOf('\n--- ') + 1) + 1;

/** Fails unless the run failed with `kinds`, having emitted only whole chunks that verified. */
function assertFailed(run: Run, plain: Buffer, kinds: AgeFormatErrorKind[], where = ''): AgeFormatError {
  assert.ok(run.error instanceof AgeFormatError, `${where}: expected an AgeFormatError, got ${run.error}`);
  assert.ok(kinds.includes(run.error.kind), `${where}: kind ${run.error.kind}, expected ${kinds}`);
  assert.equal(run.output.length % CHUNK, 0, `${where}: emitted a partial chunk`);
  assert.ok(run.output.length < Math.max(plain.length, 1), `${where}: emitted everything`);
  assert.ok(run.output.equals(plain.subarray(0, run.output.length)), `${where}: emitted wrong bytes`);
  return run.error;
}

const flip = (file: Buffer, at: number, mask = 0x01) => {
  const copy = Buffer.from(file);
  copy[at] = (copy[at] ?? 0) ^ mask;
  return copy;
};

/** An age file the encoder would not write: extra stanzas, chunks with chosen counters and flags. */
function craft(options: {
  extra?: Stanza[];
  recipient?: string | null;
  chunks: { plain: Buffer; last: boolean; counter?: number }[];
}): Buffer {
  const fileKey = randomBytes(16);
  const stanzas = [...(options.extra ?? [])];
  const recipient = options.recipient === undefined ? me.recipient : options.recipient;
  if (recipient) stanzas.push(wrapFileKey(fileKey, parseRecipients([recipient])[0]!, 1));
  const nonce = randomBytes(16);
  const key = hkdf(fileKey, nonce, 'payload');
  const parts = [encodeHeader(stanzas, fileKey), nonce];
  options.chunks.forEach(({ plain, last, counter }, i) => {
    const n = Buffer.alloc(12);
    n.writeUIntBE(counter ?? i, 5, 6);
    n[11] = last ? 1 : 0;
    const c = createCipheriv('chacha20-poly1305', key, n, { authTagLength: 16 });
    parts.push(c.update(plain), c.final(), c.getAuthTag());
  });
  return Buffer.concat(parts);
}

describe('age streams: round trips', () => {
  const sizes = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 1024 * KiB + 7];
  for (const [i, size] of sizes.entries()) {
    it(`${size} bytes, written and read in random pieces`, async () => {
      const plain = pseudoRandomBytes(size, 1000 + i);
      const file = await encrypt(plain, [me.recipient], 2000 + i);
      const chunks = Math.max(1, Math.ceil(size / CHUNK));
      assert.equal(file.length, headerLength(file) + 16 + size + 16 * chunks);
      assert.match(
        file.toString('latin1', 0, headerLength(file)),
        /^age-encryption\.org\/v1\n-> X25519 \S{43}\n/,
      );
      const back = await decrypt(file, [me.identity], 3000 + i);
      assert.equal(back.error, null);
      assert.equal(sha256(back.output), sha256(plain));
    });
  }

  it('ciphertext written one byte at a time', async () => {
    const plain = pseudoRandomBytes(CHUNK + 300, 7);
    const file = await encrypt(plain);
    const chunks: Buffer[] = [];
    const decryptor = createAgeDecryptStream([me.identity]);
    decryptor.on('data', (c: Buffer) => chunks.push(c));
    for (let at = 0; at < file.length; at++) decryptor.write(file.subarray(at, at + 1));
    decryptor.end();
    await new Promise((resolve, reject) => decryptor.on('end', resolve).on('error', reject));
    assert.ok(Buffer.concat(chunks).equals(plain));
  });

  it('a fresh file key and nonce per file', async () => {
    const plain = Buffer.from('same plaintext');
    assert.notDeepEqual(await encrypt(plain), await encrypt(plain));
  });

  it('memory does not grow with the file, whatever the piece sizes', async () => {
    // 256 MiB through both streams: stream buffers (the source queues up to 16 pieces of up to
    // 1 MiB) and uncollected garbage, but nothing that grows with the file.
    const block = pseudoRandomBytes(4 * 1024 * KiB, 11);
    const random = seededRandom(12);
    async function* source() {
      for (let i = 0; i < 64; i++) yield* randomPieces(block, random, 1024 * KiB);
    }
    const before = process.memoryUsage().arrayBuffers;
    let peak = 0;
    let total = 0;
    await pipeline(
      Readable.from(source()),
      createAgeEncryptStream([me.recipient]),
      createAgeDecryptStream([me.identity]),
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          total += chunk.length;
          peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
          callback();
        },
      }),
    );
    assert.equal(total, 256 * 1024 * KiB);
    assert.ok(peak < 96 * 1024 * KiB, `array buffers grew by ${peak} bytes`);
  });
});

describe('age streams: recipients and identities', () => {
  it('each of several identities alone decrypts; a wrong one does not', async () => {
    const third = await newBackupIdentity();
    const plain = pseudoRandomBytes(100 * KiB, 21);
    const file = await encrypt(plain, [me.recipient, other.recipient, third.recipient]);
    assert.equal(file.toString('latin1', 0, headerLength(file)).match(/^-> X25519 /gm)?.length, 3);
    for (const who of [me, other, third]) {
      const r = await decrypt(file, [who.identity]);
      assert.equal(r.error, null);
      assert.ok(r.output.equals(plain));
    }
    const stranger = await newBackupIdentity();
    const wrong = assertFailed(await decrypt(file, [stranger.identity]), plain, ['no-identity']);
    assert.ok(!wrong.message.includes(stranger.identity.slice(16, 40)));
    const both = await decrypt(file, [stranger.identity, third.identity]);
    assert.ok(both.output.equals(plain));
  });

  it('skips stanzas of other types (grease, multi-line bodies) and opens the X25519 one', async () => {
    const plain = Buffer.from('grease');
    const extra: Stanza[] = [
      { args: ['x-grease', 'a', '+/='], body: randomBytes(48) }, // 64 columns: an empty last line
      { args: ['other.example/v9'], body: randomBytes(100) },
      { args: ['empty'], body: Buffer.alloc(0) },
    ];
    const file = craft({ extra, chunks: [{ plain, last: true }] });
    const r = await decrypt(file, [me.identity], 5);
    assert.equal(r.error, null);
    assert.ok(r.output.equals(plain));
  });

  it('a passphrase (scrypt) file opens with no identity', async () => {
    const encrypter = new Encrypter();
    encrypter.setPassphrase('correct horse battery');
    encrypter.setScryptWorkFactor(4);
    const file = Buffer.from(await encrypter.encrypt('secret'));
    const error = assertFailed(await decrypt(file), Buffer.from('secret'), ['no-identity']);
    assert.match(error.message, /scrypt/);
  });

  it('refuses bad recipients by position, never echoing a secret', () => {
    assert.throws(() => createAgeEncryptStream([]), /needs a recipient/);
    assert.throws(() => createAgeEncryptStream([me.recipient, 'age1nope']), /recipient 2 \(age1nope\)/);
    assert.throws(
      () => createAgeEncryptStream([me.identity]),
      (e: Error) => /recipient 1 is an age secret key/.test(e.message) && !e.message.includes(me.identity),
    );
    assert.throws(
      () => createAgeEncryptStream(['hunter2 is my password']),
      (e: Error) =>
        /recipient 1 \(a string of 22 characters\)/.test(e.message) && !e.message.includes('hunter2'),
    );
    const corrupt = `${me.recipient.slice(0, -1)}${me.recipient.endsWith('q') ? 'p' : 'q'}`; // bad checksum
    assert.throws(() => createAgeEncryptStream([corrupt]), /recipient 1/);
  });

  it('refuses bad identities by position, never echoing them', () => {
    assert.throws(() => createAgeDecryptStream([]), /needs an identity/);
    const corrupt = `${me.identity.slice(0, -1)}${me.identity.endsWith('Q') ? 'P' : 'Q'}`;
    for (const bad of [corrupt, me.recipient, 'AGE-SECRET-KEY-PQ-1ABC']) {
      assert.throws(
        () => createAgeDecryptStream([me.identity, bad]),
        (e: Error) => /identity 2 is not an age X25519 identity/.test(e.message) && !e.message.includes(bad),
      );
    }
  });

  it('newBackupIdentity, recipientOf and isRecipient agree', async () => {
    assert.match(me.identity, /^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
    assert.match(me.recipient, /^age1[0-9a-z]{58}$/);
    assert.equal(await recipientOf(me.identity), me.recipient);
    assert.ok(isRecipient(me.recipient));
    assert.ok(!isRecipient(me.identity));
    assert.ok(!isRecipient('age1'));
    assert.ok(!isRecipient(`${me.recipient}q`));
    await assert.rejects(recipientOf('AGE-SECRET-KEY-1NOPE'), (e: Error) => !e.message.includes('NOPE'));
  });
});

describe('age streams: the STREAM rules', () => {
  const full = pseudoRandomBytes(CHUNK, 31);
  const some = Buffer.from('tail');

  it('accepts a full final chunk, and an empty one only as the whole payload', async () => {
    assert.ok((await decrypt(craft({ chunks: [{ plain: full, last: true }] }))).output.equals(full));
    const empty = await decrypt(craft({ chunks: [{ plain: Buffer.alloc(0), last: true }] }));
    assert.equal(empty.error, null);
    assert.equal(empty.output.length, 0);
    const after = craft({
      chunks: [
        { plain: full, last: false },
        { plain: Buffer.alloc(0), last: true },
      ],
    });
    // Chunk 0 verified and may have been emitted; the error comes at the end.
    assertFailed(
      await decrypt(after),
      Buffer.concat([full, some]),
      ['payload'],
      'empty final chunk after data',
    );
  });

  it('refuses a short chunk that is not last, data after the final chunk, chunks out of order', async () => {
    const cases = {
      'short middle chunk': [
        { plain: some, last: false },
        { plain: some, last: true },
      ],
      'data after the final chunk': [
        { plain: full, last: true },
        { plain: some, last: true, counter: 1 },
      ],
      'swapped chunks': [
        { plain: full, last: false, counter: 1 },
        { plain: full, last: false, counter: 0 },
        { plain: some, last: true, counter: 2 },
      ],
      'skipped counter': [
        { plain: full, last: false, counter: 0 },
        { plain: some, last: true, counter: 2 },
      ],
      'no last flag': [{ plain: some, last: false }],
    };
    for (const [name, chunks] of Object.entries(cases)) {
      const plain = Buffer.concat(chunks.map((c) => c.plain));
      assertFailed(await decrypt(craft({ chunks })), plain, ['payload'], name);
    }
  });

  it('a file ending at a chunk boundary without a final chunk is truncated', async () => {
    const file = craft({
      chunks: [
        { plain: full, last: false },
        { plain: full, last: false },
      ],
    });
    assertFailed(await decrypt(file), Buffer.concat([full, full, some]), ['truncated']);
  });
});

describe('age streams: tampering and truncation', () => {
  const plain = pseudoRandomBytes(3 * CHUNK + 100, 41);
  const filePromise = encrypt(plain);

  it('a flipped byte anywhere in the header', async () => {
    const file = await filePromise;
    const end = headerLength(file);
    const macLine = file.indexOf('\n--- ') + 1;
    for (let at = 0; at < end; at++) {
      const run = await decrypt(flip(file, at).subarray(0, end + 16 + SEALED + 10));
      const kinds: AgeFormatErrorKind[] =
        at < 22 ? ['not-age'] : at >= macLine ? ['header'] : ['header', 'no-identity'];
      assertFailed(run, plain, kinds, `header byte ${at}`);
    }
  });

  it('a flipped byte in a stanza of another recipient fails the header MAC', async () => {
    const file = await encrypt(plain, [other.recipient, me.recipient]);
    const secondStanza = file.indexOf('\n-> X25519 ', 30) + 1;
    for (let at = 22; at < secondStanza; at++) {
      const error = assertFailed(await decrypt(flip(file, at)), plain, ['header'], `byte ${at}`);
      if (file[at] !== 0x0a) assert.match(error.message, /MAC|malformed/);
    }
  });

  it('a flipped byte in the payload', async () => {
    const file = await filePromise;
    const start = headerLength(file) + 16;
    const offsets = {
      'the nonce': start - 16,
      'chunk 0': start,
      'the tag of chunk 0': start + CHUNK + 3,
      'chunk 1': start + SEALED + 1000,
      'chunk 2, last byte': start + 3 * SEALED - 1,
      'the final chunk': start + 3 * SEALED,
      'the last byte': file.length - 1,
    };
    for (const [where, at] of Object.entries(offsets)) {
      for (const mask of [0x01, 0x80]) {
        const run = await decrypt(flip(file, at, mask), [me.identity], at);
        assertFailed(run, plain, ['payload'], where);
        const chunk = Math.max(0, Math.floor((at - start) / SEALED));
        assert.ok(run.output.length <= chunk * CHUNK, `${where}: emitted chunk ${chunk}`);
      }
    }
  });

  it('truncation at any point', async () => {
    const file = await filePromise;
    const header = headerLength(file);
    const start = header + 16;
    const cuts: [string, number, AgeFormatErrorKind[]][] = [
      ['nothing', 0, ['not-age']],
      ['in the version line', 10, ['truncated']],
      ['in the stanza', 40, ['truncated', 'header']],
      ['before the MAC', file.indexOf('\n--- ') + 1, ['truncated', 'header']],
      ['in the MAC line', header - 1, ['truncated', 'header']],
      ['after the header', header, ['truncated']],
      ['in the nonce', header + 7, ['truncated']],
      ['before chunk 0', start, ['truncated']],
      ['in chunk 0', start + 5, ['truncated', 'payload']],
      ['in the tag of chunk 0', start + CHUNK + 8, ['truncated', 'payload']],
      ['after chunk 0', start + SEALED, ['truncated']],
      ['in chunk 1', start + SEALED + 100, ['truncated', 'payload']],
      ['after chunk 1', start + 2 * SEALED, ['truncated']],
      ['after chunk 2', start + 3 * SEALED, ['truncated']],
      ['in the final chunk', file.length - 1, ['truncated', 'payload']],
    ];
    for (const [where, at, kinds] of cuts) {
      assertFailed(await decrypt(file.subarray(0, at), [me.identity], at), plain, kinds, where);
    }
  });
});

describe('age streams: what is not an age file', () => {
  const run = (text: string | Buffer) => decrypt(Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1'));
  const v1 = 'age-encryption.org/v1\n';

  it('other versions, other formats, armor, nothing', async () => {
    for (const input of [
      'age-encryption.org/v2\n-> X25519 abc\n',
      '-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n',
      'PK\u0003\u0004',
      Buffer.alloc(10 * 1024 * KiB, 0x41),
      'age-encryption.org/v1',
      'age-encryption.org/v1\r\n',
      '',
    ]) {
      const kinds: AgeFormatErrorKind[] = input === 'age-encryption.org/v1' ? ['truncated'] : ['not-age'];
      assertFailed(await run(input), Buffer.alloc(0), kinds, String(input).slice(0, 30));
    }
  });

  it('malformed headers', async () => {
    const mac = `--- ${'A'.repeat(43)}\n`;
    const stanza = `-> X25519 ${'A'.repeat(43)}\n${'A'.repeat(43)}\n`;
    for (const header of [
      `${v1}${mac}`, // no stanza
      `${v1}-> \n\n${mac}`, // empty argument
      `${v1}-> a  b\n\n${mac}`, // empty argument
      `${v1}-> a\n${'A'.repeat(65)}\n${mac}`, // body line too long
      `${v1}-> a\nAB==\n${mac}`, // padding
      `${v1}-> a\nAB\n${mac}`, // non-canonical (trailing bits)
      `${v1}-> a\nA\n${mac}`, // impossible length
      `${v1}-> a\n\n--- ${'A'.repeat(42)}\n`, // short MAC
      `${v1}-> a\n\n---${'A'.repeat(43)}\n`,
      `${v1}-> a\n\nsomething else\n`,
      `${v1}-> a\n\n\u00e9\n`,
      `${v1}-> X25519\n${'A'.repeat(43)}\n${mac}`, // X25519 without a share
      `${v1}-> X25519 ${'A'.repeat(43)}\n${'A'.repeat(22)}\n${mac}`, // X25519 body not 32 bytes
      `${v1}${stanza}${mac}`, // all-zero share: low order
    ]) {
      assertFailed(await run(header), Buffer.alloc(0), ['header'], JSON.stringify(header).slice(0, 60));
    }
  });

  it('refuses a header longer than 64 KiB without reading on', async () => {
    for (const input of [v1 + '-> grease\n\n'.repeat(7000), v1 + 'A'.repeat(80 * KiB)]) {
      const error = assertFailed(await run(input), Buffer.alloc(0), ['header']);
      assert.match(error.message, /longer than 64 KiB/);
    }
  });
});
