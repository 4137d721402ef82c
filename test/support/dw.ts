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
