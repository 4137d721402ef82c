/**
 * The data warehouse's archive end to end from the built CLI, on both engines (issue 9 item 7,
 * issue 13 item 1; docs/FORMAT.md §2.12, docs/RECOVERY.md §9):
 *
 * - a computer running both parts: `backup create` writes one archive per part, both verify;
 * - a registered DW extracts, is backed up, extracts the changes made after the archive, and is
 *   lost with its databases; `smgr recover --from <DW archive>` restores its three databases,
 *   sets it up under the same name, doctor passes; it extracts from the restored watermark:
 *   every change of ServiceManager is staged exactly once (none lost, none twice); after its next
 *   jobs (`smgr dw run all`: extract, transform, load) DWRepository and DWDataMart (every table,
 *   sorted) and the staging tables equal those of the DW before its loss, which ran the same jobs
 *   over the same changes and never failed (left out: the watermarks' updated_at and the schema's
 *   applied_at, the clock of a run; the staging rows' run_id, the id of the extract run that
 *   staged them). Among the changes after the archive, configuration items related and unrelated
 *   through the API: they are in the WI↔CI fact of both;
 * - s3-recover: the DW's archives in a bucket (a real s3rver): backup create --to s3://, prune of
 *   the bucket keeping an archive with a live reader mark, deleting a stale mark; on the embedded
 *   engine the recovery reads its archive from the bucket (`--from s3://…`);
 * - a recover into a target that is not empty is refused, changing nothing;
 * (kill -9 of `smgr restore data-warehouse`: dw-restore-crash.e2e.test.ts.)
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { openDatabase } from '../../src/db/open-database.js';
import { api, type CliEnv, jsonOut, runCli } from '../support/cli.js';
import {
  assertStagedExactlyOnce,
  DW_PASSWORD,
  type DwUrls,
  extractUntil,
  makeChanges,
  newDwUrls,
  passwordFile,
  refusal,
  servedManagementServer,
  setupDw,
  signIn,
  snapshotAll,
} from '../support/dw.js';
import { dumpDwAt } from '../support/dw-mart.js';
import { ENGINES, tempDir } from '../support/engines.js';
import { type LocalS3, startLocalS3 } from '../support/local-s3.js';
import { freePort } from '../support/recover-fixture.js';

const ADMIN_PASSWORD = 'sm-admin-pass-arch1';
const BUCKET = 'smgr-dw-archives';
const PASSPHRASE = 'dw archive passphrase 7';

const lines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

/** `smgr dw run all` (mpsync, extract, transform, load, maintenance) in the CLI's process. */
async function runAll(env: CliEnv): Promise<void> {
  const r = await runCli(['dw', 'run', 'all', '--json'], env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
}

/**
 * What a DW holds of the management group, compared: DWRepository and DWDataMart whole (without
 * the clock of a run: dw-mart.ts), the staging tables without run_id, and the extract watermark.
 */
async function warehouse(u: DwUrls) {
  const staging = await openDatabase(u.staging);
  const staged: Record<string, unknown[]> = {};
  let extract: string | undefined;
  try {
    for (const t of [
      'staging_users',
      'staging_config_items',
      'staging_work_items',
      'staging_work_item_history',
    ])
      staged[t] = (
        await staging.query(`SELECT position, op, entity_id, changed_at, data FROM ${t} ORDER BY position`)
      ).rows.map((r) => JSON.parse(JSON.stringify(r)));
    extract = (
      await staging.query<{ position: string }>("SELECT position FROM watermarks WHERE job = 'extract'")
    ).rows[0]?.position;
  } finally {
    await staging.close();
  }
  return { extract, staged, repository: await dumpDwAt(u.repository), datamart: await dumpDwAt(u.datamart) };
}

/** A service request with two configuration items related through the API, then one unrelated. */
async function relateThroughApi(baseUrl: string, token: string) {
  const ci = async (name: string) => {
    const r = await api(baseUrl, 'POST', '/api/v1/config-items', { class: 'computer', name }, token);
    assert.equal(r.status, 201, r.text);
    return r.body.id as number;
  };
  const kept = await ci('arch-web01');
  const dropped = await ci('arch-db01');
  const w = await api(
    baseUrl,
    'POST',
    '/api/v1/work-items',
    { class: 'service-request', title: 'linked item' },
    token,
  );
  assert.equal(w.status, 201, w.text);
  const id = w.body.id as number;
  for (const configItemId of [kept, dropped]) {
    const r = await api(baseUrl, 'POST', `/api/v1/work-items/${id}/config-items`, { configItemId }, token);
    assert.equal(r.status, 201, r.text);
  }
  const d = await api(
    baseUrl,
    'DELETE',
    `/api/v1/work-items/${id}/config-items/${dropped}`,
    undefined,
    token,
  );
  assert.equal(d.status, 204, d.text);
  return { id, kept, dropped };
}

const urlArgs = (u: DwUrls) => [
  '--staging-database',
  u.staging,
  '--repository-database',
  u.repository,
  '--datamart-database',
  u.datamart,
];

for (const makeFixture of ENGINES) {
  const fx = makeFixture();
  describe(`data warehouse archives (${fx.name})`, () => {
    const root = tempDir('smgr-dwa-e2e-');
    const smPw = passwordFile(root, ADMIN_PASSWORD);
    const passphrase = passwordFile(root, PASSPHRASE);
    const offComputer = path.join(root, 'off-computer');
    const keyFile = path.join(offComputer, 'dw01.smkey');
    const dw: CliEnv = { home: path.join(root, 'dw01-home'), computerName: 'dw01' };
    let sm: Awaited<ReturnType<typeof servedManagementServer>>;
    let archive = '';
    const newUrls = async (tag: string): Promise<DwUrls> =>
      fx.name === 'server'
        ? newDwUrls(fx)
        : {
            staging: `pglite:${path.join(root, tag, 'DWStagingAndConfig')}`,
            repository: `pglite:${path.join(root, tag, 'DWRepository')}`,
            datamart: `pglite:${path.join(root, tag, 'DWDataMart')}`,
          };

    let s3: LocalS3;
    let client: S3Client;
    const putReaderMark = (key: string, expiresAt: Date) =>
      client.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: key,
          Body: JSON.stringify({
            format: 'smgr-archive-reader',
            version: 1,
            expiresAt: expiresAt.toISOString(),
          }),
        }),
      );

    before(async () => {
      fs.mkdirSync(offComputer, { recursive: true });
      const store = path.join(root, 's3');
      s3 = await startLocalS3(store, BUCKET);
      // Credentials from the SDK's standard chain: the environment of every dw01 command.
      dw.env = s3.env;
      client = new S3Client({
        endpoint: s3.endpoint,
        forcePathStyle: true,
        region: 'us-east-1',
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      });
      sm = await servedManagementServer(fx, root, 'Contoso SM', 'ms01', smPw);
    });
    after(async () => {
      await s3?.close();
      if (sm?.server.child.exitCode === null) await sm.server.stop();
      await fx.cleanup();
      fs.rmSync(root, { recursive: true, force: true });
    });

    test('a computer running both parts: backup create writes one archive per part, each verifies', async () => {
      const both: CliEnv = { home: path.join(root, 'both-home'), computerName: 'both01' };
      const smUrl = fx.name === 'server' ? await fx.newDatabaseUrl() : undefined;
      const s = await runCli(
        [
          'setup',
          'management-server',
          '--json',
          '--new-database',
          '--management-group',
          'Both SM',
          ...(smUrl ? ['--database', smUrl] : []),
          '--admin-user',
          'admin',
          '--admin-password-file',
          smPw,
        ],
        both,
      );
      assert.equal(s.code, 0, s.stdout + s.stderr);
      await setupDw(both, 'Both DW', fx.name === 'server' ? await newDwUrls(fx) : {}, passwordFile(root));
      const b = await runCli(['--json', 'backup', 'create'], both);
      assert.equal(b.code, 0, b.stdout + b.stderr);
      const archives = jsonOut(b.stdout).archives as Array<{
        file: string;
        managementGroup: { name: string };
        databases: Array<{ name: string }>;
      }>;
      assert.deepEqual(
        archives.map((a) => [a.managementGroup.name, a.databases.map((d) => d.name)]),
        [
          ['Both SM', ['ServiceManager']],
          ['Both DW', ['DWStagingAndConfig', 'DWRepository', 'DWDataMart']],
        ],
      );
      for (const [i, a] of archives.entries()) {
        const v = await runCli(['--json', 'backup', 'verify', a.file], both);
        assert.equal(v.code, 0, v.stdout + v.stderr);
        assert.equal(jsonOut(v.stdout).part, ['management-server', 'data-warehouse'][i]);
        assert.equal(jsonOut(v.stdout).authenticated, true);
      }
      // Each restore takes only its own part's archive, refusing the other's before any row.
      const wrong = await runCli(
        [
          '--json',
          'restore',
          'data-warehouse',
          '--from',
          archives[0]!.file,
          ...urlArgs(await newUrls('wrong')),
        ],
        both,
      );
      assert.equal(refusal(wrong.stdout).code, 'ARCHIVE_OTHER_PART', wrong.stdout);
      assert.match(refusal(wrong.stdout).remedy, /smgr restore database/);

      // s3-recover: restore data-warehouse --from s3://… streams the DW's archive from the bucket.
      const s3both: CliEnv = { ...both, env: dw.env };
      const up = await runCli(
        ['--json', 'backup', 'upload', archives[1]!.file, '--to', `s3://${BUCKET}/both-${fx.name}`],
        s3both,
      );
      assert.equal(up.code, 0, up.stdout + up.stderr);
      const fromBucket = await runCli(
        [
          '--json',
          'restore',
          'data-warehouse',
          '--from',
          jsonOut(up.stdout).url,
          ...urlArgs(await newUrls('from-s3')),
        ],
        s3both,
      );
      assert.equal(fromBucket.code, 0, fromBucket.stdout + fromBucket.stderr);
      const restored = jsonOut(fromBucket.stdout);
      assert.equal(restored.file, jsonOut(up.stdout).url);
      assert.deepEqual(
        restored.databases.map((d: { restored: boolean }) => d.restored),
        [true, true, true],
      );
      assert.ok(
        lines(fromBucket.stdout).some((l) => /^downloaded .* from s3:/.test(l.message ?? '')),
        'streamed from the bucket',
      );
    });

    test('registered DW backed up, lost with its databases, recovered from the archive: every change staged once', async () => {
      const urls = await newUrls('dw-disk');
      await setupDw(dw, 'Contoso DW', urls, passwordFile(root, DW_PASSWORD));
      const kb = await runCli(
        ['key', 'backup', '--json', '--file', keyFile, '--password-file', passphrase],
        dw,
      );
      assert.equal(kb.code, 0, kb.stdout + kb.stderr);
      const reg = await runCli(
        ['dw', 'register', '--json', '--management-server', sm.baseUrl, '--admin-user', 'admin'].concat([
          '--admin-password-file',
          smPw,
        ]),
        dw,
      );
      assert.equal(reg.code, 0, reg.stdout + reg.stderr);
      const token = await signIn(sm.baseUrl, ADMIN_PASSWORD);
      // Service requests: no SLA workflow writes to them between the two DWs' extracts.
      await makeChanges(sm.baseUrl, token, 12, 'before', 'service-request');
      await extractUntil(dw, urls.staging, 'before', 12);
      // Transformed and loaded before the archive: it holds a filled repository and data mart.
      await runAll(dw);
      const b = await runCli(['--json', 'backup', 'create', '--to', offComputer], dw);
      assert.equal(b.code, 0, b.stdout + b.stderr);
      archive = jsonOut(b.stdout).archives[0].file;

      // s3-recover: the DW's archives in a bucket too. One uploaded (older), one streamed by backup
      // create (newest); prune of the bucket keeps the older while a live reader mark (FORMAT §5) is
      // beside it and deletes it, and the stale mark, after; on the embedded engine the recovery
      // below reads the newest from the bucket.
      const bucket = `s3://${BUCKET}/${fx.name}`;
      const up = await runCli(['--json', 'backup', 'upload', archive, '--to', bucket], dw);
      assert.equal(up.code, 0, up.stdout + up.stderr);
      const older = jsonOut(up.stdout).url as string;
      const streamed = await runCli(['--json', 'backup', 'create', '--to', bucket], dw);
      assert.equal(streamed.code, 0, streamed.stdout + streamed.stderr);
      const newest = jsonOut(streamed.stdout).archives[0].file as string;
      assert.ok(newest.startsWith(`${bucket}/`), newest);
      const configPath = path.join(dw.home, 'config.json');
      const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
      config.parts['data-warehouse'].backups = { retention: { keepLast: 1 } };
      fs.writeFileSync(configPath, JSON.stringify(config, null, 2));
      const markKey = `${older.slice(`s3://${BUCKET}/`.length)}.reader-8899aabbccddeeff`;
      await putReaderMark(markKey, new Date(Date.now() + 600_000));
      const prune = async () => {
        const r = await runCli(['--json', 'backup', 'prune', '--dir', bucket], dw);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        return jsonOut(r.stdout);
      };
      const busy = await prune();
      assert.deepEqual(busy.removed, [], 'the archive being read is kept');
      assert.deepEqual(
        busy.readers.busy.map((b: { file: string }) => b.file),
        [older],
      );
      await putReaderMark(markKey, new Date(Date.now() - 1000));
      const done = await prune();
      assert.deepEqual(
        done.removed.map((r: { file: string }) => r.file),
        [older],
      );
      assert.deepEqual(done.readers.staleMarksDeleted, [`s3://${BUCKET}/${markKey}`]);
      const from = fx.name === 'embedded' ? newest : archive;

      // Changes after the archive, extracted before the loss: the restored DW must take them again, once.
      const linked = await relateThroughApi(sm.baseUrl, token);
      await makeChanges(sm.baseUrl, token, 8, 'after', 'service-request');
      await extractUntil(dw, urls.staging, 'after', 8);
      // The DW that never failed: the next jobs over the same changes.
      await runAll(dw);
      const neverFailed = await warehouse(urls);
      const links = (neverFailed.datamart.work_item_config_item_fact ?? []) as Array<Record<string, unknown>>;
      assert.deepEqual(
        links
          .filter((f) => Number(f.work_item_id) === linked.id)
          .map((f) => [Number(f.config_item_id), f.ended_at === null])
          .sort((a, b) => Number(a[0]) - Number(b[0])),
        [
          [linked.kept, true],
          [linked.dropped, false],
        ],
        'the relations made through the API, one ended, are in the WI↔CI fact',
      );

      // The DW computer is lost, its databases too (new, empty ones to recover into).
      fs.rmSync(dw.home, { recursive: true, force: true });
      const into = await newUrls('dw-disk-2');
      const port = await freePort();
      const recover = (args: string[]) =>
        runCli(
          ['--json', 'recover', '--yes', '--key-file', keyFile, '--password-file', passphrase]
            .concat(['--from', from, '--listen', `127.0.0.1:${port}`])
            .concat(args),
          dw,
        );

      // A target that is not empty (the old DWStagingAndConfig, on the server) is refused; nothing changes.
      if (fx.name === 'server') {
        const before = await snapshotAll([urls.staging, into.repository, into.datamart], offComputer);
        const r = await recover(urlArgs({ ...into, staging: urls.staging }));
        const last = lines(r.stdout).at(-1);
        assert.equal(last.ok, false, r.stdout);
        assert.equal(last.error, 'RECOVER_TARGET_NOT_EMPTY', r.stdout);
        assert.equal(fs.existsSync(dw.home), false, 'no home made');
        assert.deepEqual(
          await snapshotAll([urls.staging, into.repository, into.datamart], offComputer),
          before,
        );
      }

      const r = await recover(urlArgs(into));
      const out = lines(r.stdout);
      const plan = out.find((l) => l.type === 'plan' || l.steps)!;
      assert.ok(
        JSON.stringify(plan).includes('data-warehouse:restore-databases'),
        `the plan restores the DW databases: ${JSON.stringify(plan)}`,
      );
      const result = out.at(-1);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(result.ok, true, r.stdout);

      // Extraction resumes from the restored watermark: the changes after the archive come again, once.
      await extractUntil(dw, into.staging, 'after', 8);
      // The next jobs: the recovered DW's warehouse equals that of the DW that never failed.
      await runAll(dw);
      const recovered = await warehouse(into);
      assert.equal(recovered.extract, neverFailed.extract, 'both extracted up to the same change');
      assert.deepEqual(recovered.staged, neverFailed.staged);
      assert.deepEqual(recovered.repository, neverFailed.repository);
      assert.deepEqual(recovered.datamart, neverFailed.datamart);
      if (fx.name === 'server') await assertStagedExactlyOnce(sm.url, into.staging);
      else {
        await sm.server.stop();
        await assertStagedExactlyOnce(sm.url, into.staging);
      }
    });
  });
}
