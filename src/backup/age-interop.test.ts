/**
 * age-stream.ts against other age implementations, both directions: the
 * stock `age` / `age-keygen` commands (Debian package `age`, the Go reference
 * implementation) and the age-encryption package (typage). Files go through
 * the filesystem to the commands; sizes 0, 100, 64 KiB exactly and ~3 MiB
 * random. The command tests are skipped, with the reason printed, when `age`
 * is not on PATH.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Decrypter, Encrypter } from 'age-encryption';
import { runThrough, sha256 } from '../../test/support/age-streams.js';
import { tempDir } from '../../test/support/engines.js';
import { DEADLINE_MS } from '../../test/support/eventually.js';
import {
  AgeFormatError,
  createAgeDecryptStream,
  createAgeEncryptStream,
  newBackupIdentity,
  recipientOf,
} from './age-stream.js';

const found = (command: string) => !spawnSync(command, ['--version'], { stdio: 'ignore' }).error;
const skip =
  found('age') && found('age-keygen') ? false : 'the age command is not on PATH (apt-get install age)';
if (skip) console.log(`# skipping the stock age interop tests: ${skip}`);

const SIZES: [string, number][] = [
  ['empty', 0],
  ['100 bytes', 100],
  ['64 KiB exactly', 64 * 1024],
  ['~3 MiB random', 3 * 1024 * 1024 + 12345],
];

const ours = await newBackupIdentity();

async function encryptOurs(plain: Buffer, recipients: string[]): Promise<Buffer> {
  const r = await runThrough(createAgeEncryptStream(recipients), plain, plain.length);
  assert.equal(r.error, null);
  return r.output;
}

async function decryptOurs(file: Buffer, identity: string): Promise<Buffer> {
  const r = await runThrough(createAgeDecryptStream([identity]), file, file.length);
  assert.equal(r.error, null);
  return r.output;
}

function run(command: string, args: string[], input?: string) {
  const r = spawnSync(command, args, { input, encoding: 'utf8', timeout: DEADLINE_MS });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `age -d -i IDENTITY FILE`, plaintext from stdout (age makes no -o file for an empty plaintext). */
function stockDecrypt(identityFile: string, file: string) {
  const r = spawnSync('age', ['-d', '-i', identityFile, file], {
    timeout: DEADLINE_MS,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status, plain: r.stdout, stderr: r.stderr.toString() };
}

describe('age streams and the stock age command', () => {
  const dir = tempDir('smgr-age-stream-interop-');
  const identityFile = path.join(dir, 'identity.txt');
  let stockRecipient = '';
  let stockIdentity = '';
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  before(() => {
    if (skip) return;
    const r = run('age-keygen', ['-o', identityFile]);
    assert.equal(r.status, 0, r.stderr);
    stockRecipient = /Public key: (age1[0-9a-z]+)/.exec(`${r.stderr}${r.stdout}`)?.[1] ?? '';
    assert.ok(stockRecipient, `no public key in age-keygen's output: ${r.stderr}`);
    stockIdentity = /^AGE-SECRET-KEY-1[0-9A-Z]+$/m.exec(fs.readFileSync(identityFile, 'utf8'))?.[0] ?? '';
  });

  const file = (name: string) => path.join(dir, name);

  it('agrees with age-keygen -y on recipients', { skip }, async () => {
    assert.equal(await recipientOf(stockIdentity), stockRecipient);
    const r = run('age-keygen', ['-y'], `${ours.identity}\n`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), ours.recipient);
  });

  for (const [name, size] of SIZES) {
    it(`ours -> age -d: ${name}`, { skip }, async () => {
      const plain = randomBytes(size);
      fs.writeFileSync(file(`ours-${size}.age`), await encryptOurs(plain, [stockRecipient]));
      const r = stockDecrypt(identityFile, file(`ours-${size}.age`));
      assert.equal(r.status, 0, r.stderr);
      assert.equal(sha256(r.plain), sha256(plain));
    });

    it(`age -r -> ours: ${name}`, { skip }, async () => {
      const plain = randomBytes(size);
      fs.writeFileSync(file(`plain-${size}`), plain);
      const r = run('age', ['-r', ours.recipient, '-o', file(`stock-${size}.age`), file(`plain-${size}`)]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(
        sha256(await decryptOurs(fs.readFileSync(file(`stock-${size}.age`)), ours.identity)),
        sha256(plain),
      );
    });

    it(`age -r A -r B -> ours with identity B: ${name}`, { skip }, async () => {
      const plain = randomBytes(size);
      fs.writeFileSync(file(`plain2-${size}`), plain);
      const target = file(`stock2-${size}.age`);
      const r = run('age', [
        '-r',
        stockRecipient,
        '-r',
        ours.recipient,
        '-o',
        target,
        file(`plain2-${size}`),
      ]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(sha256(await decryptOurs(fs.readFileSync(target), ours.identity)), sha256(plain));
      // and the reverse: ours to A and B, age -d with identity A
      fs.writeFileSync(file(`ours2-${size}.age`), await encryptOurs(plain, [ours.recipient, stockRecipient]));
      const d = stockDecrypt(identityFile, file(`ours2-${size}.age`));
      assert.equal(d.status, 0, d.stderr);
      assert.equal(sha256(d.plain), sha256(plain));
    });
  }

  it('age -d refuses our file when altered or truncated, as we refuse it', { skip }, async () => {
    const plain = randomBytes(200 * 1024);
    const good = await encryptOurs(plain, [stockRecipient]);
    const flipped = Buffer.from(good);
    flipped[good.length - 100] = (flipped[good.length - 100] ?? 0) ^ 1;
    const boundary = good.indexOf('\n--- ') + 1;
    const headerEnd = good.indexOf('\n', boundary) + 1;
    const cut = good.subarray(0, headerEnd + 16 + 2 * (64 * 1024 + 16)); // ends at a chunk boundary
    for (const [name, bytes] of [
      ['flipped', flipped],
      ['truncated', cut],
    ] as const) {
      fs.writeFileSync(file(`bad-${name}.age`), bytes);
      const r = stockDecrypt(identityFile, file(`bad-${name}.age`));
      assert.notEqual(r.status, 0, `age -d accepted the ${name} file`);
      const mine = await runThrough(createAgeDecryptStream([stockIdentity]), bytes);
      assert.ok(mine.error instanceof AgeFormatError, `we accepted the ${name} file`);
    }
  });

  it('an armored age -a file is not read (binary only)', { skip }, async () => {
    fs.writeFileSync(file('armor-plain'), 'armored');
    const r = run('age', ['-a', '-r', ours.recipient, '-o', file('armor.age'), file('armor-plain')]);
    assert.equal(r.status, 0, r.stderr);
    const result = await runThrough(
      createAgeDecryptStream([ours.identity]),
      fs.readFileSync(file('armor.age')),
    );
    assert.ok(result.error instanceof AgeFormatError && result.error.kind === 'not-age');
    assert.equal(result.output.length, 0);
  });
});

describe('age streams and the age-encryption package', () => {
  for (const [name, size] of SIZES) {
    it(`both directions: ${name}`, async () => {
      const plain = randomBytes(size);
      const decrypter = new Decrypter();
      decrypter.addIdentity(ours.identity);
      const theirs = await decrypter.decrypt(await encryptOurs(plain, [ours.recipient]));
      assert.equal(sha256(theirs), sha256(plain));
      const encrypter = new Encrypter();
      encrypter.addRecipient(ours.recipient);
      const file = Buffer.from(await encrypter.encrypt(plain));
      assert.equal(sha256(await decryptOurs(file, ours.identity)), sha256(plain));
    });
  }
});
