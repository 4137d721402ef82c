/**
 * Throughput of the age streams (src/backup/age-stream.ts): `npm run bench:age`.
 * Not a test. Encrypts 512 MiB of pseudo-random data (8 MiB of random bytes,
 * repeated) fed in 8 MiB and in 64 KiB pieces, decrypts it back from a
 * temporary file (reading that file alone is timed too), and, for comparison,
 * runs age-encryption's own JS Encrypter and Decrypter on 64 MiB in memory.
 * Prints MB/s (10^6 bytes per second of plaintext).
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Decrypter, Encrypter } from 'age-encryption';
import {
  createAgeDecryptStream,
  createAgeEncryptStream,
  newBackupIdentity,
} from '../src/backup/age-stream.js';

const MiB = 1024 * 1024;
const TOTAL = 512 * MiB;
const BLOCK = 8 * MiB;
const JS_TOTAL = 64 * MiB;

const block = randomBytes(BLOCK);
const { identity, recipient } = await newBackupIdentity();

function* pieces(total: number, size: number): Generator<Buffer> {
  for (let sent = 0; sent < total; sent += size) {
    const at = sent % BLOCK;
    yield block.subarray(at, at + Math.min(size, total - sent));
  }
}

/** A sink that counts bytes, and hashes them when asked. */
function sink(hash?: ReturnType<typeof createHash>) {
  const counter = {
    bytes: 0,
    stream: new Writable({
      highWaterMark: MiB,
      write(chunk: Buffer, _encoding, callback) {
        counter.bytes += chunk.length;
        hash?.update(chunk);
        callback();
      },
    }),
  };
  return counter;
}

async function timed(label: string, plainBytes: number, run: () => Promise<void>): Promise<void> {
  const start = process.hrtime.bigint();
  await run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rate = plainBytes / 1e6 / seconds;
  console.log(
    `${label.padEnd(58)} ${(plainBytes / MiB).toFixed(0).padStart(4)} MiB ${seconds.toFixed(2).padStart(6)} s ${rate.toFixed(0).padStart(6)} MB/s`,
  );
}

console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'} x ${os.cpus().length}`);

await timed('ours: encrypt, 8 MiB pieces', TOTAL, async () => {
  const out = sink();
  await pipeline(Readable.from(pieces(TOTAL, BLOCK)), createAgeEncryptStream([recipient]), out.stream);
});

await timed('ours: encrypt, 64 KiB pieces', TOTAL, async () => {
  const out = sink();
  await pipeline(Readable.from(pieces(TOTAL, 64 * 1024)), createAgeEncryptStream([recipient]), out.stream);
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smgr-age-bench-'));
try {
  const file = path.join(dir, 'bench.age');
  await pipeline(
    Readable.from(pieces(TOTAL, BLOCK)),
    createAgeEncryptStream([recipient]),
    fs.createWriteStream(file),
  );
  const expected = createHash('sha256');
  for (const piece of pieces(TOTAL, BLOCK)) expected.update(piece);

  await timed('read the encrypted file alone (page cache)', TOTAL, async () => {
    await pipeline(fs.createReadStream(file, { highWaterMark: MiB }), sink().stream);
  });
  await timed('ours: decrypt from the file', TOTAL, async () => {
    const out = sink();
    await pipeline(
      fs.createReadStream(file, { highWaterMark: MiB }),
      createAgeDecryptStream([identity]),
      out.stream,
    );
    if (out.bytes !== TOTAL) throw new Error(`decrypted ${out.bytes} bytes, expected ${TOTAL}`);
  });
  const actual = createHash('sha256');
  await timed('ours: decrypt from the file, with SHA-256 of the output', TOTAL, async () => {
    await pipeline(
      fs.createReadStream(file, { highWaterMark: MiB }),
      createAgeDecryptStream([identity]),
      sink(actual).stream,
    );
  });
  if (actual.digest('hex') !== expected.digest('hex')) throw new Error('the decrypted data differ');
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

await timed('ours: encrypt | decrypt in one pipeline', TOTAL, async () => {
  const out = sink();
  await pipeline(
    Readable.from(pieces(TOTAL, BLOCK)),
    createAgeEncryptStream([recipient]),
    createAgeDecryptStream([identity]),
    out.stream,
  );
});

const jsPlain = Buffer.concat([...pieces(JS_TOTAL, BLOCK)]);
let jsFile: Uint8Array = new Uint8Array(0);
await timed('age-encryption Encrypter (JS), in memory', JS_TOTAL, async () => {
  const encrypter = new Encrypter();
  encrypter.addRecipient(recipient);
  jsFile = await encrypter.encrypt(jsPlain);
});
await timed('age-encryption Decrypter (JS), in memory', JS_TOTAL, async () => {
  const decrypter = new Decrypter();
  decrypter.addIdentity(identity);
  const back = await decrypter.decrypt(jsFile);
  if (back.length !== JS_TOTAL) throw new Error('age-encryption decrypted the wrong length');
});
await timed('ours: encrypt the same 64 MiB, one piece', JS_TOTAL, async () => {
  await pipeline(Readable.from([jsPlain]), createAgeEncryptStream([recipient]), sink().stream);
});
