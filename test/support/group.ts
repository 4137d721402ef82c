/**
 * A management group of several computers on one PostgreSQL database, set up
 * through the built CLI as an administrator would: the first computer with
 * --new-database, its key backed up (smgr key backup), and every other
 * computer with the key restored (smgr key restore) then
 * `setup management-server --existing-database` (a secondary). Plus the
 * polling and database helpers the multi-server end-to-end tests share.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../../src/db/database.js';
import { openDatabase } from '../../src/db/open-database.js';
import { api, type CliEnv, runCli } from './cli.js';
import { eventually as poll } from './eventually.js';

export const ADMIN_PASSWORD = 'admin-pass-5e7b20';
const PASSPHRASE = 'group key passphrase 77';

export interface Member extends CliEnv {
  computerName: string;
  home: string;
}

/** Sets up `names` (the first one creates the group) in homes under `root`; answers them in order. */
export async function setupGroup(
  root: string,
  url: string,
  names: readonly string[],
  env: Record<string, string> = {},
) {
  const file = (n: string) => path.join(root, n);
  fs.writeFileSync(file('admin.pw'), ADMIN_PASSWORD);
  fs.writeFileSync(file('pass'), `${PASSPHRASE}\n`);
  const members: Member[] = names.map((n) => ({ home: file(`home-${n}`), computerName: n, env }));
  const [first, ...others] = members;
  const created = await runCli(
    [
      'setup',
      'management-server',
      '--new-database',
      '--management-group',
      'Contoso',
      '--database',
      url,
      '--admin-user',
      'admin',
      '--admin-password-file',
      file('admin.pw'),
    ],
    first!,
  );
  assert.equal(created.code, 0, created.stderr);
  const backup = await runCli(
    ['key', 'backup', '--file', file('keys.age'), '--password-file', file('pass')],
    first!,
  );
  assert.equal(backup.code, 0, backup.stderr);
  for (const m of others) {
    const restored = await runCli(
      ['key', 'restore', '--file', file('keys.age'), '--password-file', file('pass')],
      m,
    );
    assert.equal(restored.code, 0, restored.stderr);
    const joined = await runCli(['setup', 'management-server', '--existing-database', '--database', url], m);
    assert.equal(joined.code, 0, joined.stderr);
    assert.match(joined.stdout, /role secondary/);
  }
  return members;
}

/** Merges keys into a member's config.json (the management server's entry, parts["management-server"]). */
export function configure(m: Member, settings: Record<string, unknown>): void {
  const p = path.join(m.home, 'config.json');
  const config = JSON.parse(fs.readFileSync(p, 'utf8'));
  Object.assign(config.parts['management-server'], settings);
  fs.writeFileSync(p, JSON.stringify(config, null, 2));
}

export async function login(baseUrl: string): Promise<string> {
  const r = await api(baseUrl, 'POST', '/api/v1/sessions', { username: 'admin', password: ADMIN_PASSWORD });
  assert.equal(r.status, 201, r.text);
  return r.body.token as string;
}

/** Polls until `cond` answers a truthy value (every 200 ms: each poll may start a CLI); fails naming `what`. */
export function eventually<T>(what: string, cond: () => Promise<T | undefined | false>): Promise<T> {
  return poll(what, cond, { everyMs: 200 });
}

export interface RunRow extends Record<string, unknown> {
  workflow: string;
  seq: number;
  holder: string;
  token: number;
  started_at: Date;
  finished_at: Date | null;
  outcome: string | null;
}

export async function withDb<T>(url: string, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase(url);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

export const runs = (url: string) =>
  withDb(
    url,
    async (db) => (await db.query<RunRow>('SELECT * FROM workflow_runs ORDER BY workflow, seq')).rows,
  );

/** The first lease event of a token: its id, time and kind, and when the previous tenure expired. */
export const leaseEvent = (url: string, token: number) =>
  withDb(url, async (db) => {
    const r = await db.query<{ id: number; at: Date; event: string; previous_expires_at: Date | null }>(
      `SELECT id, at, event, previous_expires_at FROM workflow_lease_history
        WHERE token = $1 ORDER BY id LIMIT 1`,
      [token],
    );
    return r.rows[0]!;
  });

/**
 * The history invariants: per workflow, seq is 1..n without gaps; tokens never
 * decrease along seq; a run starts only after the previous one finished (or
 * was marked interrupted); only the last run may still be running.
 */
export function checkHistory(rows: readonly RunRow[]): void {
  const by = new Map<string, RunRow[]>();
  for (const r of rows) by.set(r.workflow, [...(by.get(r.workflow) ?? []), r]);
  for (const [w, list] of by) {
    list.forEach((r, i) => {
      assert.equal(r.seq, i + 1, `${w}: seq ${r.seq} at position ${i + 1} (a run lost or doubled)`);
      if (i === 0) return;
      const prev = list[i - 1]!;
      assert.ok(r.token >= prev.token, `${w} #${r.seq}: token ${r.token} after ${prev.token}`);
      assert.ok(prev.finished_at, `${w} #${prev.seq} never finished although #${r.seq} started`);
      assert.ok(r.started_at >= prev.finished_at!, `${w} #${r.seq} started before #${prev.seq} ended`);
    });
    for (const r of list.slice(0, -1)) assert.notEqual(r.outcome, null);
  }
}
