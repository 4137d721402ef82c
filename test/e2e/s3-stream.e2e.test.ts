/**
 * Archives streamed straight into an S3 bucket and read back from it
 * (issue 13 item 3), against a real local s3rver (with the two multipart
 * operations it lacks added over its own store: test/support/s3rver-uploads.ts;
 * never a mock of the SDK), through the built CLI, credentials from the
 * SDK's standard chain (environment):
 *
 *  - `backup create --to s3://…` writes no local archive; list, verify,
 *    drill and restore read the bucket; uploads and downloads report
 *    progress as JSON lines;
 *  - wrong credentials, a missing bucket or object: a registry error, and
 *    the home, the bucket and the database unchanged;
 *  - kill -9 during the upload: nothing listed, and the next backup of the
 *    group aborts the upload it left;
 *  - s3-recover: a live reader mark (FORMAT §5) keeps an archive from
 *    prune, a stale one is ignored and deleted (not by a dry run), a read
 *    that ended leaves none;
 *  - memory: the peak RSS of a streamed backup of a large database against
 *    the archive's size and a local backup's (a figure, not a timing).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CLI, jsonOut, runCli } from '../support/cli.js';
import { serverFixture, tempDir } from '../support/engines.js';
import { eventually } from '../support/eventually.js';
import { configure, type Member, setupGroup, withDb } from '../support/group.js';
import { type LocalS3, startLocalS3 } from '../support/local-s3.js';
import { addMultipartListing, incompleteUploads } from '../support/s3rver-uploads.js';
import { pgDump, snapshotDir } from '../support/snapshot.js';

const BUCKET = 'smgr-stream';

/** Every .smbak (or .partial) file under a directory. */
function localArchives(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((n) => /\.smbak(\.partial)?$/.test(n));
}

/** The progress events (JSON lines before the result) of a --json command. */
// biome-ignore lint/suspicious/noExplicitAny: JSON lines of any shape
function progressLines(stdout: string): any[] {
  return stdout
    .trim()
    .split('\n')
    .slice(0, -1)
    .map((l) => JSON.parse(l))
    .filter((e) => e.type === 'progress');
}

describe('archives streamed to and read from a bucket (s3rver)', () => {
  const fx = serverFixture();
  const root = tempDir('smgr-s3s-');
  const store = path.join(root, 's3');
  let s3: LocalS3;
  let m!: Member;
  let url = '';
  let env: Record<string, string> = {};
  before(async () => {
    s3 = await startLocalS3(store, BUCKET, (server) => addMultipartListing(server, store));
    url = await fx.newDatabaseUrl();
    env = s3.env;
    m = (await setupGroup(root, url, ['ms01'], env))[0]!;
  });
  after(async () => {
    await s3?.close();
    await fx.cleanup();
    fs.rmSync(root, { recursive: true, force: true });
  });

  let streamed = '';

  test('backup create --to s3:// streams into the bucket, with no local archive, reporting progress', async () => {
    const r = await runCli(['backup', 'create', '--to', `s3://${BUCKET}/direct`, '--json'], m);
    assert.equal(r.code, 0, r.stderr);
    const [archive] = jsonOut(r.stdout).archives;
    streamed = archive.file;
    assert.match(streamed, new RegExp(`^s3://${BUCKET}/direct/Contoso-\\d{8}T\\d{6}Z\\.smbak$`));
    assert.deepEqual(localArchives(m.home), [], 'no local archive or partial file');
    const uploads = progressLines(r.stdout).filter((e) => /^uploaded .* to s3:/.test(e.message ?? ''));
    assert.ok(uploads.length >= 1, 'upload progress as JSON lines');
    assert.equal(uploads.at(-1).archiveBytes, archive.size);
    const list = jsonOut(
      (await runCli(['backup', 'list', '--dir', `s3://${BUCKET}/direct`, '--json'], m)).stdout,
    );
    assert.deepEqual(
      list.backups.map((b: { file: string; summarized: boolean; size: number }) => [
        b.file,
        b.summarized,
        b.size,
      ]),
      [[streamed, true, archive.size]],
    );
    assert.deepEqual(incompleteUploads(store, BUCKET), []);
  });

  test('verify and restore read the archive from the bucket', async () => {
    const v = await runCli(['backup', 'verify', streamed, '--json'], m);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(jsonOut(v.stdout).file, streamed);
    assert.equal(jsonOut(v.stdout).whole, true);
    assert.ok(
      progressLines(v.stdout).some((e) => /^downloaded .* from s3:/.test(e.message ?? '')),
      'download progress as JSON lines',
    );
    const target = await fx.newDatabaseUrl();
    const r = await runCli(['restore', 'database', '--from', streamed, '--database', target], m);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Restore complete/);
    const count = (u: string) =>
      withDb(u, async (db) => (await db.query<{ n: string }>('SELECT count(*) AS n FROM users')).rows[0]!.n);
    assert.equal(await count(target), await count(url));
    assert.deepEqual(localArchives(m.home), []);
  });

  test('smgr drill reads the bucket and reports its progress as JSON lines', async () => {
    const r = await runCli(['drill', '--dir', `s3://${BUCKET}/direct`, '--json'], m);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const { drill } = jsonOut(r.stdout);
    assert.equal(drill.ok, true);
    assert.equal(drill.archive, path.basename(streamed));
    const events = progressLines(r.stdout);
    const steps = events.filter((e) => e.phase === 'step').map((e) => e.message);
    for (const want of [
      /^downloaded .* from s3:/,
      /^restoring into a scratch embedded database$/,
      /^counting the rows of every table against the manifest$/,
      /^starting the restored management server$/,
      /^running the doctor against it$/,
    ]) {
      assert.ok(
        steps.some((s) => want.test(s)),
        `a step ${want}: ${JSON.stringify(steps)}`,
      );
    }
    assert.ok(
      events.some((e) => e.phase === 'table' && e.tableDone && e.table === 'users'),
      'the restore reports each table',
    );
  });

  test('wrong credentials, a missing bucket or object: a registry error, nothing changed', async () => {
    const home0 = snapshotDir(m.home);
    const store0 = snapshotDir(store);
    const db0 = pgDump(url);
    // s3rver checks the access key id but not a SigV4 signature: a wrong key id is what it can refuse.
    const wrongKey = {
      ...m,
      env: { ...env, AWS_ACCESS_KEY_ID: 'NOT-A-KEY-ID', AWS_SECRET_ACCESS_KEY: 'not-the-secret-42' },
    };
    const cases: Array<[string[], typeof m, string, RegExp]> = [
      [
        ['backup', 'create', '--to', 's3://no-such-bucket/x', '--json'],
        m,
        'S3_BUCKET_NOT_FOUND',
        /bucket no-such-bucket does not exist/,
      ],
      [
        ['backup', 'create', '--to', `s3://${BUCKET}/denied`, '--json'],
        wrongKey,
        'S3_ACCESS_DENIED',
        /refused access to bucket smgr-stream/,
      ],
      [['backup', 'verify', streamed, '--json'], wrongKey, 'S3_ACCESS_DENIED', /refused access/],
      [
        ['backup', 'list', '--dir', `s3://${BUCKET}/direct`, '--json'],
        wrongKey,
        'S3_ACCESS_DENIED',
        /refused access/,
      ],
      [
        ['backup', 'verify', `s3://${BUCKET}/direct/Contoso-20200101T000000Z.smbak`, '--json'],
        m,
        'S3_OBJECT_NOT_FOUND',
        /no archive s3:\/\/smgr-stream\/direct\/Contoso-20200101T000000Z\.smbak/,
      ],
    ];
    for (const [args, who, code, message] of cases) {
      const r = await runCli(args, who);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      const e = jsonOut(r.stdout);
      assert.equal(e.error, code, args.join(' '));
      assert.match(e.message, message);
      assert.ok(e.remedy.length > 0);
      assert.doesNotMatch(r.stdout + r.stderr, /not-the-secret-42|NOT-A-KEY-ID|at .*\.js:\d+/);
    }
    assert.deepEqual(snapshotDir(m.home), home0);
    assert.deepEqual(snapshotDir(store), store0);
    assert.equal(pgDump(url), db0);
  });

  test('prune of a bucket keeps the newest verified archive and never judges one being written', async () => {
    // The drilled archive (`streamed`) is the newest verified one; a newer one is written, and the
    // newest of all is still "being written": its object complete but its summary not yet there.
    const newer = await runCli(['backup', 'create', '--to', `s3://${BUCKET}/direct`, '--json'], m);
    assert.equal(newer.code, 0, newer.stderr);
    const newerFile = jsonOut(newer.stdout).archives[0].file as string;
    const writing = `Contoso-29991231T235959Z.smbak`;
    fs.writeFileSync(path.join(root, writing), 'not yet summarized');
    const up = await runCli(
      ['backup', 'upload', path.join(root, writing), '--to', `s3://${BUCKET}/direct`],
      m,
    );
    assert.equal(up.code, 0, up.stderr);
    configure(m, { backups: { retention: { keepLast: 1 } } });
    const r = await runCli(['backup', 'prune', '--dir', `s3://${BUCKET}/direct`, '--json'], m);
    assert.equal(r.code, 0, r.stderr);
    const result = jsonOut(r.stdout);
    assert.deepEqual(result.removed, [], 'nothing to delete: one kept by count, one as the newest verified');
    assert.deepEqual(
      result.kept.map((k: { file: string; reasons: string[] }) => [k.file, k.reasons]).sort(),
      [
        [newerFile, ['last']],
        [streamed, ['newest-verified', 'newest-drilled']],
      ].sort(),
    );
    assert.deepEqual(result.ignored, [
      { file: `s3://${BUCKET}/direct/${writing}`, reason: 'no readable summary' },
    ]);
    configure(m, { backups: undefined });
  });

  test('s3-recover: a live reader mark keeps an archive from prune; a stale one is ignored and deleted', async () => {
    // FORMAT §5. Three summarized archives under direct/: `streamed` (drilled), `newer`, and a newest one.
    const listed = jsonOut(
      (await runCli(['backup', 'list', '--dir', `s3://${BUCKET}/direct`, '--json'], m)).stdout,
    ).backups.filter((b: { summarized: boolean }) => b.summarized);
    const newerFile = listed.find((b: { file: string }) => b.file !== streamed).file as string;
    const newest = await runCli(['backup', 'create', '--to', `s3://${BUCKET}/direct`, '--json'], m);
    assert.equal(newest.code, 0, newest.stderr);
    const newestFile = jsonOut(newest.stdout).archives[0].file as string;
    const v = await runCli(['backup', 'verify', newestFile, '--json'], m);
    assert.equal(v.code, 0, v.stderr);
    const marks = () =>
      fs
        .readdirSync(path.join(store, BUCKET), { recursive: true, encoding: 'utf8' })
        .filter((n) => /\.reader-[0-9a-f]{16}\._S3rver_object$/.test(n));
    assert.deepEqual(marks(), [], 'a read that ended leaves no mark');
    const client = new S3Client({
      endpoint: env.SMGR_S3_ENDPOINT,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const markKey = `${newerFile.slice(`s3://${BUCKET}/`.length)}.reader-00112233aabbccdd`;
    const putMark = (expiresAt: Date) =>
      client.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: markKey,
          ContentType: 'application/json',
          Body: JSON.stringify({
            format: 'smgr-archive-reader',
            version: 1,
            archive: path.basename(newerFile),
            host: 'elsewhere',
            pid: 4242,
            purpose: 'read',
            createdAt: new Date(expiresAt.getTime() - 15 * 60_000).toISOString(),
            refreshedAt: new Date(expiresAt.getTime() - 15 * 60_000).toISOString(),
            expiresAt: expiresAt.toISOString(),
          }),
        }),
      );
    configure(m, { backups: { retention: { keepLast: 1 } } });
    const prune = async (...extra: string[]) => {
      const r = await runCli(['backup', 'prune', '--dir', `s3://${BUCKET}/direct`, '--json', ...extra], m);
      assert.equal(r.code, 0, r.stderr);
      return { result: jsonOut(r.stdout) };
    };
    const live = new Date(Date.now() + 10 * 60_000);
    await putMark(live);
    const busy = await prune();
    assert.deepEqual(busy.result.removed, [], 'the archive being read is kept');
    assert.deepEqual(busy.result.kept.find((k: { file: string }) => k.file === newerFile).reasons, ['busy']);
    assert.deepEqual(busy.result.readers, {
      busy: [{ file: newerFile, until: live.toISOString() }],
      staleMarksDeleted: [],
    });
    const human = await runCli(['backup', 'prune', '--dir', `s3://${BUCKET}/direct`, '--dry-run'], m);
    assert.match(
      human.stdout,
      new RegExp(
        `being read: ${path.basename(newerFile).replace(/\./g, '\\.')} \\(a reader mark until ${live.toISOString()}\\)`,
      ),
      'prune says why it kept it',
    );
    await putMark(new Date(Date.now() - 60_000)); // its reader stopped refreshing it: stale
    const dry = await prune('--dry-run');
    assert.deepEqual(
      dry.result.removed.map((r: { file: string }) => r.file),
      [newerFile],
    );
    assert.deepEqual(dry.result.readers.staleMarksDeleted, [`s3://${BUCKET}/${markKey}`]);
    assert.equal(marks().length, 1, 'a dry run deletes no stale mark');
    const real = await prune();
    assert.deepEqual(
      real.result.removed.map((r: { file: string }) => r.file),
      [newerFile],
    );
    assert.deepEqual(real.result.readers.staleMarksDeleted, [`s3://${BUCKET}/${markKey}`]);
    assert.deepEqual(marks(), [], 'the stale mark is deleted');
    configure(m, { backups: undefined });
  });

  test('a large database (for the next two tests)', async () => {
    // ~160 MB of hex text: Brotli quality 1 keeps most of it, so the archive is large too.
    await withDb(url, (db) =>
      db.query(
        `INSERT INTO work_items (class, display_id, title, status, description)
         SELECT 'incident', 'IR-big-' || g, 'large', 'active',
                (SELECT string_agg(md5(random()::text || g || i), '') FROM generate_series(1, 250) i)
           FROM generate_series(1, 20000) g`,
      ),
    );
  });

  test('kill -9 during a streamed backup leaves no archive; the next backup aborts its upload', async () => {
    const child = spawn(process.execPath, [CLI, 'backup', 'create', '--to', `s3://${BUCKET}/killed`], {
      env: { ...process.env, SMGR_HOME: m.home, SMGR_COMPUTER_NAME: m.computerName, ...env },
      stdio: 'ignore',
    });
    const exited = new Promise((r) => child.on('exit', r));
    const partsDir = path.join(store, BUCKET, '._S3rver_uploads');
    await eventually('a part of the upload stored', () => {
      if (incompleteUploads(store, BUCKET).length === 0) return false;
      return fs.readdirSync(partsDir, { recursive: true, encoding: 'utf8' }).some((n) => /(^|\/)1$/.test(n));
    });
    child.kill('SIGKILL');
    await exited;
    const listed = () =>
      runCli(['backup', 'list', '--dir', `s3://${BUCKET}/killed`, '--json'], m).then(
        (r) => jsonOut(r.stdout).backups,
      );
    assert.deepEqual(await listed(), []);
    assert.equal(incompleteUploads(store, BUCKET).length, 1, 'the killed upload is incomplete, not listed');
    assert.deepEqual(localArchives(m.home), []);
    const again = await runCli(['backup', 'create', '--to', `s3://${BUCKET}/killed`], m);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(incompleteUploads(store, BUCKET), [], 'the next backup aborted the leftover upload');
    assert.equal((await listed()).length, 1);
  });

  test('memory stays bounded: peak RSS of a streamed backup vs the archive and a local backup (figure)', async (t) => {
    const peakRss = async (args: string[]) => {
      const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const c = spawn('/usr/bin/time', ['-f', 'maxrss=%M', process.execPath, CLI, ...args], {
          env: { ...process.env, SMGR_HOME: m.home, SMGR_COMPUTER_NAME: m.computerName, ...env },
        });
        let stdout = '';
        let stderr = '';
        c.stdout.on('data', (d) => {
          stdout += d;
        });
        c.stderr.on('data', (d) => {
          stderr += d;
        });
        c.on('close', (code) => resolve({ code, stdout, stderr }));
      });
      assert.equal(r.code, 0, r.stderr);
      const kb = Number(/maxrss=(\d+)/.exec(r.stderr)?.[1]);
      return { rss: kb * 1024, archive: jsonOut(r.stdout).archives[0] };
    };
    const bucket = await peakRss(['backup', 'create', '--to', `s3://${BUCKET}/big`, '--json']);
    const local = await peakRss(['backup', 'create', '--to', path.join(root, 'big'), '--json']);
    const mib = (n: number) => (n / 1024 / 1024).toFixed(0);
    const figure = `archive ${mib(bucket.archive.size)} MiB; peak RSS streamed to the bucket ${mib(bucket.rss)} MiB, written locally ${mib(local.rss)} MiB`;
    t.diagnostic(figure);
    console.log(`s3-stream memory figure: ${figure}`);
    assert.ok(bucket.archive.size > 100 * 1024 * 1024, `a large archive: ${figure}`);
    // The upload holds at most its parts in flight (2 × 8 MiB) and the one being filled: a bounded
    // amount more than a local backup, whatever the archive's size.
    assert.ok(bucket.rss < local.rss + 64 * 1024 * 1024, figure);
  });
});
