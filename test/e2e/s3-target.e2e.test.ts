/**
 * S3 targets (issue 13 item 3) against a real local S3-compatible server
 * (s3rver, started here; never a mock of the SDK), through the built CLI
 * with credentials from the SDK's standard chain (environment): upload
 * streamed, list from the bucket, fetch then verify and restore, prune the
 * bucket by the retention policy (each deletion audited), a kill -9
 * during a multipart upload leaves no visible archive, and scheduled
 * backups stream into the bucket (s3-stream.e2e covers the streamed writer
 * and the readers).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI, jsonOut, runCli, startServe } from '../support/cli.js';
import { serverFixture, tempDir } from '../support/engines.js';
import { configure, eventually, type Member, setupGroup, withDb } from '../support/group.js';
import { type LocalS3, startLocalS3 } from '../support/local-s3.js';
import { snapshotDir } from '../support/snapshot.js';

const BUCKET = 'smgr-test';

function dirSize(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) n += fs.statSync(path.join(e.parentPath, e.name)).size;
  }
  return n;
}

describe('S3 target (s3rver)', () => {
  const fx = serverFixture();
  const root = tempDir('smgr-s3-');
  const store = path.join(root, 's3');
  let s3: LocalS3;
  let m!: Member;
  let url = '';
  before(async () => {
    s3 = await startLocalS3(store, BUCKET);
    url = await fx.newDatabaseUrl();
    m = (await setupGroup(root, url, ['ms01'], s3.env))[0]!;
  });
  after(async () => {
    await s3?.close();
    await fx.cleanup();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const archives = () =>
    fs
      .readdirSync(path.join(m.home, 'backups'))
      .filter((n) => n.endsWith('.smbak'))
      .sort();

  test('upload, list from the bucket, fetch, verify and restore', async () => {
    assert.equal((await runCli(['backup', 'create'], m)).code, 0);
    const [name] = archives();
    const up = await runCli(
      ['backup', 'upload', path.join(m.home, 'backups', name!), '--to', `s3://${BUCKET}/ms01`],
      m,
    );
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, new RegExp(`Uploaded .* to s3://${BUCKET}/ms01/${name}`));
    const list = jsonOut(
      (await runCli(['backup', 'list', '--dir', `s3://${BUCKET}/ms01`, '--json'], m)).stdout,
    );
    assert.deepEqual(
      list.backups.map((b: { file: string; summarized: boolean; managementGroup: { name: string } }) => [
        b.file,
        b.summarized,
        b.managementGroup.name,
      ]),
      [[`s3://${BUCKET}/ms01/${name}`, true, 'Contoso']],
    );
    const fetched = path.join(root, 'fetched');
    const f = await runCli(['backup', 'fetch', `s3://${BUCKET}/ms01/${name}`, '--to', fetched], m);
    assert.equal(f.code, 0, f.stderr);
    assert.deepEqual(
      fs.readFileSync(path.join(fetched, name!)),
      fs.readFileSync(path.join(m.home, 'backups', name!)),
    );
    const v = await runCli(['backup', 'verify', path.join(fetched, name!)], m);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /whole and authentic/);
    const target = await fx.newDatabaseUrl();
    const r = await runCli(
      ['restore', 'database', '--from', path.join(fetched, name!), '--database', target],
      m,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Restore complete/);
  });

  test('a malformed bucket URL is refused with USAGE, nothing changed', async () => {
    const home = snapshotDir(m.home);
    const store0 = snapshotDir(store);
    for (const args of [
      ['backup', 'list', '--dir', 's3://Bad_Bucket/x', '--json'],
      ['backup', 'fetch', `s3://${BUCKET}/ms01/not-an-archive.txt`, '--to', path.join(root, 'f2'), '--json'],
    ]) {
      const r = await runCli(args, m);
      assert.equal(r.code, 2, r.stdout);
      const e = jsonOut(r.stdout);
      assert.equal(e.error, 'USAGE');
      assert.match(e.message, /is not an s3:\/\/BUCKET\[\/PREFIX\] URL|does not name an \.smbak archive/);
    }
    assert.deepEqual(snapshotDir(m.home), home);
    assert.deepEqual(snapshotDir(store), store0);
  });

  test('kill -9 during a multipart upload leaves no visible archive', async () => {
    const big = path.join(root, 'Big-20261130T000000Z.smbak');
    const fd = fs.openSync(big, 'w');
    for (let i = 0; i < 48; i++) fs.writeSync(fd, Buffer.alloc(1024 * 1024, i));
    fs.closeSync(fd);
    const before = dirSize(store);
    const child = spawn(process.execPath, [CLI, 'backup', 'upload', big, '--to', `s3://${BUCKET}/killed`], {
      env: { ...process.env, SMGR_HOME: m.home, SMGR_COMPUTER_NAME: m.computerName, ...m.env },
      stdio: 'ignore',
    });
    const exited = new Promise((r) => child.on('exit', r));
    await eventually('a part of the upload stored', async () => dirSize(store) > before + 4 * 1024 * 1024);
    child.kill('SIGKILL');
    await exited;
    const list = jsonOut(
      (await runCli(['backup', 'list', '--dir', `s3://${BUCKET}/killed`, '--json'], m)).stdout,
    );
    assert.deepEqual(list.backups, []);
  });

  test('prune reads and deletes from the bucket by the retention policy, each deletion audited', async () => {
    assert.equal((await runCli(['backup', 'create'], m)).code, 0);
    const [older, newer] = archives();
    assert.ok(newer, 'two archives');
    const up = await runCli(
      ['backup', 'upload', path.join(m.home, 'backups', newer!), '--to', `s3://${BUCKET}/ms01`],
      m,
    );
    assert.equal(up.code, 0, up.stderr);
    configure(m, { backups: { retention: { keepLast: 1 } } });
    const r = await runCli(['backup', 'prune', '--dir', `s3://${BUCKET}/ms01`], m);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`deleted ${older}`));
    const list = jsonOut(
      (await runCli(['backup', 'list', '--dir', `s3://${BUCKET}/ms01`, '--json'], m)).stdout,
    );
    assert.deepEqual(
      list.backups.map((b: { file: string }) => path.basename(b.file)),
      [newer],
    );
    const logged = await withDb(
      url,
      async (db) => (await db.query(`SELECT target FROM audit_log WHERE action = 'backup.prune'`)).rows,
    );
    assert.deepEqual(logged, [{ target: older }]);
  });

  test('scheduled backups stream each archive into the bucket, verify it there and prune it there', async () => {
    configure(m, {
      backups: {
        schedule: '*/2 * * * * *',
        drill: false,
        retention: { keepLast: 1 },
        s3: { url: `s3://${BUCKET}/sched` },
      },
    });
    const local = archives();
    const serve = await startServe(m);
    try {
      await eventually('two scheduled uploads and a pruned bucket', async () => {
        const ups = (serve.logs().match(/scheduled backup streamed to the bucket/g) ?? []).length;
        if (ups < 2) return false;
        const list = jsonOut(
          (await runCli(['backup', 'list', '--dir', `s3://${BUCKET}/sched`, '--json'], m)).stdout,
        );
        return list.backups.length === 1;
      });
      assert.doesNotMatch(serve.logs(), /FAILED/);
      assert.match(serve.logs(), /"kind":"verify".*scheduled backup checked/);
      // No local copy: the scheduled archives went straight into the bucket.
      assert.deepEqual(archives(), local);
    } finally {
      await serve.stop();
    }
  });
});
