/**
 * Helpers for the data warehouse's end-to-end tests: a DW set up through the
 * built CLI on three fresh databases of an engine fixture, the refusal
 * reader, and a "nothing changed" snapshot of every database and the home's
 * secure storage.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { type CliEnv, jsonOut, runCli } from './cli.js';
import type { EngineFixture } from './engines.js';
import { dumpDatabaseAt, type LeftOut, snapshotDir } from './snapshot.js';

export const DW_PASSWORD = 'dw-admin-pass-3f9a';

export const refusal = (stdout: string) =>
  (({ error, message, remedy }) => ({ code: error, message, remedy }))(jsonOut(stdout)) as {
    code: string;
    message: string;
    remedy: string;
  };

export interface DwUrls {
  staging: string;
  repository: string;
  datamart: string;
}

export async function newDwUrls(fx: EngineFixture): Promise<DwUrls> {
  return {
    staging: await fx.newDatabaseUrl(),
    repository: await fx.newDatabaseUrl(),
    datamart: await fx.newDatabaseUrl(),
  };
}

export function passwordFile(dir: string, password = DW_PASSWORD): string {
  fs.mkdirSync(dir, { recursive: true });
  const f = path.join(dir, `pw-${password.length}-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(f, `${password}\n`);
  return f;
}

export function setupDwArgs(name: string, urls: Partial<DwUrls>, pwFile: string): string[] {
  return [
    'setup',
    'data-warehouse',
    '--json',
    '--new-database',
    '--management-group',
    name,
    '--admin-user',
    'dwadmin',
    '--admin-password-file',
    pwFile,
    ...(urls.staging ? ['--staging-database', urls.staging] : []),
    ...(urls.repository ? ['--repository-database', urls.repository] : []),
    ...(urls.datamart ? ['--datamart-database', urls.datamart] : []),
  ];
}

export async function setupDw(env: CliEnv, name: string, urls: Partial<DwUrls>, pwFile: string) {
  const r = await runCli(setupDwArgs(name, urls, pwFile), env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return jsonOut(r.stdout);
}

/** Every database's rows (without `leftOut`) and the home's files (embedded databases compared by rows). */
export async function snapshotAll(urls: readonly string[], home: string, leftOut: LeftOut = []) {
  const dbs: string[] = [];
  for (const u of urls) dbs.push(await dumpDatabaseAt(u, leftOut));
  // A running server's socket and pid file are not state a refusal could change.
  return { dbs, home: snapshotDir(home, ['databases', 'admin.sock', 'server.pid']) };
}

/** A management server set up on a fresh database of `fx` and served; answers its base URL and stop(). */
export async function servedManagementServer(
  fx: EngineFixture,
  root: string,
  name: string,
  computerName: string,
  adminPasswordFile: string,
) {
  const { startServe } = await import('./cli.js');
  const url = await fx.newDatabaseUrl();
  const env: CliEnv = { home: path.join(root, `${computerName}-home`), computerName };
  const r = await runCli(
    [
      'setup',
      'management-server',
      '--new-database',
      '--management-group',
      name,
      '--database',
      url,
      '--admin-user',
      'admin',
      '--admin-password-file',
      adminPasswordFile,
    ],
    env,
  );
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const server = await startServe(env);
  return { env, url, server, baseUrl: server.baseUrl };
}

/** Signs in to a management server; answers the bearer token. */
export async function signIn(baseUrl: string, password: string, username = 'admin'): Promise<string> {
  const { api } = await import('./cli.js');
  const r = await api(baseUrl, 'POST', '/api/v1/sessions', { username, password });
  assert.equal(r.status, 201, r.text);
  return r.body.token as string;
}

/**
 * Creates `n` work items and changes every third one's status (each change writes history).
 * Service requests (`cls`) have no SLA: the SLA workflow never changes them behind the test's back.
 */
export async function makeChanges(
  baseUrl: string,
  token: string,
  n: number,
  tag: string,
  cls: 'incident' | 'service-request' = 'incident',
): Promise<void> {
  const { api } = await import('./cli.js');
  for (let i = 0; i < n; i++) {
    const r = await api(
      baseUrl,
      'POST',
      '/api/v1/work-items',
      { class: cls, title: `${tag} ${i}`, priority: 1 + (i % 4) },
      token,
    );
    assert.equal(r.status, 201, r.text);
    if (i % 3 === 0) {
      const p = await api(baseUrl, 'PATCH', `/api/v1/work-items/${r.body.id}`, { status: 'resolved' }, token);
      assert.equal(p.status, 200, p.text);
    }
  }
}

/**
 * Every change of ServiceManager up to the DW's watermark is in the staging
 * tables exactly once, and nothing else is: positions compared as
 * multisets, and every work item history row staged once. Answers the count.
 */
export async function assertStagedExactlyOnce(smUrl: string, stagingUrl: string): Promise<number> {
  const { openDatabase } = await import('../../src/db/open-database.js');
  const staging = await openDatabase(stagingUrl);
  let staged: string[];
  let watermark: string;
  let historyStaged: string[];
  try {
    const wm = await staging.query<{ position: string }>(
      "SELECT position FROM watermarks WHERE job = 'extract'",
    );
    watermark = wm.rows[0]!.position;
    staged = (
      await staging.query<{ p: string }>(
        `SELECT position AS p FROM staging_work_items UNION ALL SELECT position FROM staging_work_item_history
         UNION ALL SELECT position FROM staging_config_items UNION ALL SELECT position FROM staging_users`,
      )
    ).rows.map((r) => r.p);
    historyStaged = (
      await staging.query<{ id: string }>(
        "SELECT entity_id::text AS id FROM staging_work_item_history WHERE op = 'insert'",
      )
    ).rows.map((r) => r.id);
  } finally {
    await staging.close();
  }
  const [epoch, xid, id] = watermark.split('-');
  const sm = await openDatabase(smUrl);
  try {
    const expected = (
      await sm.query<{ p: string }>(
        `SELECT epoch::text || '-' || xid::text || '-' || id::text AS p FROM changes
          WHERE (epoch, xid, id) <= ($1::integer, $2::text::xid8, $3::bigint)`,
        [epoch, xid, id],
      )
    ).rows.map((r) => r.p);
    assert.equal(new Set(staged).size, staged.length, 'no change staged twice');
    assert.deepEqual(
      [...staged].sort(),
      [...expected].sort(),
      'every change up to the watermark staged, nothing else',
    );
    const history = (await sm.query<{ id: string }>('SELECT id::text AS id FROM work_item_history')).rows.map(
      (r) => r.id,
    );
    assert.deepEqual(
      [...historyStaged].sort(),
      [...history].sort(),
      'every history row of the management server, once',
    );
    return staged.length;
  } finally {
    await sm.close();
  }
}

/**
 * Runs `smgr dw run extract` until the staging tables hold `n` work items
 * titled `<tag> …`: the feed holds back changes while an older transaction
 * of the database cluster runs (other tests share the server), so one run
 * may not reach the newest changes. The DW must not be serving (its
 * embedded staging database is opened here).
 */
export async function extractUntil(env: CliEnv, stagingUrl: string, tag: string, n: number): Promise<void> {
  const { eventually } = await import('./eventually.js');
  const { openDatabase } = await import('../../src/db/open-database.js');
  await eventually(
    `${n} work items "${tag} …" staged`,
    async () => {
      const r = await runCli(['dw', 'run', 'extract', '--json'], env);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const db = await openDatabase(stagingUrl);
      try {
        const c = await db.query<{ n: number }>(
          "SELECT count(DISTINCT entity_id)::int AS n FROM staging_work_items WHERE data->>'title' LIKE $1",
          [`${tag} %`],
        );
        return c.rows[0]!.n >= n;
      } finally {
        await db.close();
      }
    },
    { everyMs: 500 },
  );
}

/** Sets the data warehouse part's settings in the home's config.json (extract, jobs, backups…), keeping the rest. */
export function setDwSettings(home: string, settings: Record<string, unknown>): void {
  const file = path.join(home, 'config.json');
  const config = JSON.parse(fs.readFileSync(file, 'utf8'));
  Object.assign(config.parts['data-warehouse'], settings);
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
}

/** `smgr dw register` with the management server's `admin`; fails the test unless it succeeds. */
export async function registerDw(env: CliEnv, baseUrl: string, adminPasswordFile: string): Promise<void> {
  const r = await runCli(
    [
      'dw',
      'register',
      '--management-server',
      baseUrl,
      '--admin-user',
      'admin',
      '--admin-password-file',
      adminPasswordFile,
    ],
    env,
  );
  assert.equal(r.code, 0, r.stdout + r.stderr);
}

/** Empties every table of the database at `url` but its schema version (smgr_schema); ANALYZEs them. */
export async function emptyTables(url: string): Promise<void> {
  const { openDatabase } = await import('../../src/db/open-database.js');
  const db = await openDatabase(url);
  try {
    const tables = await db.query<{ t: string }>(
      `SELECT tablename AS t FROM pg_catalog.pg_tables WHERE schemaname = 'public' AND tablename <> 'smgr_schema'`,
    );
    const list = tables.rows.map((x) => `"${x.t}"`).join(', ');
    await db.query(`TRUNCATE ${list}`);
    await db.query(`ANALYZE ${list}`);
  } finally {
    await db.close();
  }
}
