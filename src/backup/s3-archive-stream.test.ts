/**
 * The bucket sink and source (s3-archive-stream.ts) against a real s3rver
 * (its missing multipart listing and abort added over its own store:
 * test/support/s3rver-uploads.ts), through the real SDK: a committed sink
 * is one object, byte for byte, read back by openS3Archive with progress; an
 * aborted sink after several parts leaves no object and no incomplete
 * upload; leftovers of a group are aborted, another group's are not; and
 * each SDK failure is its registry error.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateMultipartUploadCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { tempDir } from '../../test/support/engines.js';
import { eventually } from '../../test/support/eventually.js';
import { addMultipartListing, incompleteUploads } from '../../test/support/s3rver-uploads.js';
import { isSmgrError } from '../errors/smgr-error.js';
import type { ProgressEvent } from './progress.js';
import {
  abortLeftoverUploads,
  bucketSink,
  checkBucket,
  openS3Archive,
  PART_BYTES,
} from './s3-archive-stream.js';
import { listS3Backups, parseS3Url } from './s3-target.js';

const BUCKET = 'sink-test';

describe('bucket sink and source (s3rver)', () => {
  const root = tempDir('smgr-s3sink-');
  const store = path.join(root, 's3');
  let server: S3rver;
  let endpoint = '';
  const client = (keyId = 'S3RVER') =>
    new S3Client({
      endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: keyId, secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  before(async () => {
    fs.mkdirSync(store);
    server = new S3rver({
      port: 0,
      address: '127.0.0.1',
      silent: true,
      directory: store,
      configureBuckets: [{ name: BUCKET }],
    });
    addMultipartListing(server, store);
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await server?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const write = (stream: NodeJS.WritableStream, data: Buffer) =>
    new Promise<void>((resolve, reject) => {
      stream.once('error', reject);
      if (stream.write(data)) resolve();
      else stream.once('drain', () => resolve());
    });

  test('a committed sink is one object, read back whole with progress', async () => {
    const data = randomBytes(2 * PART_BYTES + 12345);
    const up: ProgressEvent[] = [];
    const sink = bucketSink(client(), parseS3Url(`s3://${BUCKET}/ok`), 'G-20260101T000000Z.smbak', {
      progress: { report: (e) => up.push(e) },
    });
    for (let i = 0; i < data.length; i += 1 << 20) await write(sink.stream, data.subarray(i, i + (1 << 20)));
    await new Promise<void>((r) => sink.stream.end(r));
    assert.equal(await sink.commit(), data.length);
    assert.equal(up.at(-1)?.archiveBytes, data.length);
    assert.ok(
      up.every((e) => /^uploaded .* to s3:\/\/sink-test\/ok\/G-20260101T000000Z\.smbak$/.test(e.message!)),
    );

    const down: ProgressEvent[] = [];
    const { stream, size } = await openS3Archive(client(), `s3://${BUCKET}/ok/G-20260101T000000Z.smbak`, {
      progress: { report: (e) => down.push(e) },
    });
    assert.equal(size, data.length);
    const hash = createHash('sha256');
    for await (const chunk of stream) hash.update(chunk as Buffer);
    assert.equal(hash.digest('hex'), createHash('sha256').update(data).digest('hex'));
    assert.equal(down.at(-1)?.archiveBytes, data.length);
    assert.deepEqual(incompleteUploads(store, BUCKET), []);
  });

  test('an aborted sink, after parts were stored, leaves no object and no incomplete upload', async () => {
    const sink = bucketSink(client(), parseS3Url(`s3://${BUCKET}/aborted`), 'G-20260102T000000Z.smbak');
    const data = randomBytes(PART_BYTES);
    for (let i = 0; i < 3; i++) await write(sink.stream, data);
    await eventually('a part stored', () => incompleteUploads(store, BUCKET).length === 1);
    sink.stream.destroy(); // as write-archive.ts does on a failure
    await sink.abort();
    assert.deepEqual(incompleteUploads(store, BUCKET), []);
    assert.deepEqual(await listS3Backups(client(), parseS3Url(`s3://${BUCKET}/aborted`)), []);
  });

  test("abortLeftoverUploads aborts the group's leftover uploads under the prefix, and only those", async () => {
    for (const key of ['left/Contoso-20260103T000000Z.smbak', 'left/Fabrikam-20260103T000000Z.smbak']) {
      await client().send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    }
    const aborted = await abortLeftoverUploads(client(), parseS3Url(`s3://${BUCKET}/left`), 'Contoso-');
    assert.deepEqual(aborted, ['left/Contoso-20260103T000000Z.smbak']);
    assert.deepEqual(incompleteUploads(store, BUCKET), ['left/Fabrikam-20260103T000000Z.smbak']);
  });

  test('each failure is its registry error', async () => {
    const code = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        assert.ok(isSmgrError(e), String(e));
        assert.doesNotMatch(e.message, /S3RVER|WRONG-ID/);
        return e.code;
      }
      return 'no error';
    };
    assert.equal(
      await code(openS3Archive(client(), `s3://${BUCKET}/ok/G-20200101T000000Z.smbak`)),
      'S3_OBJECT_NOT_FOUND',
    );
    assert.equal(
      await code(openS3Archive(client('WRONG-ID'), `s3://${BUCKET}/ok/G-20260101T000000Z.smbak`)),
      'S3_ACCESS_DENIED',
    );
    assert.equal(await code(checkBucket(client(), parseS3Url('s3://no-such-bucket'))), 'S3_BUCKET_NOT_FOUND');
    assert.equal(
      await code(checkBucket(client('WRONG-ID'), parseS3Url(`s3://${BUCKET}`))),
      'S3_ACCESS_DENIED',
    );
    assert.equal(
      await code(listS3Backups(client(), parseS3Url('s3://no-such-bucket/x'))),
      'S3_BUCKET_NOT_FOUND',
    );
    const closed = new S3Client({
      endpoint: 'http://127.0.0.1:9',
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      maxAttempts: 1,
    });
    assert.equal(await code(checkBucket(closed, parseS3Url(`s3://${BUCKET}`))), 'S3_UNREACHABLE');
  });
});
