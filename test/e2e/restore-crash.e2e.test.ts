/**
 * kill -9 of `smgr restore database` at points spread over its run (issue
 * 15): during the loads, the index builds, the reference checks and the
 * final move. The kill points are progress events (a first, whole run lists
 * them), never times: each run is killed as it prints its k-th event. After
 * every kill the target is empty or whole — never partly restored — and the
 * next restore into it succeeds and leaves no staging schema behind. On a
 * PostgreSQL server over two connections (10 points) and on PGlite in one
 * transaction (3 points).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TABLES_WRITTEN_AFTER_RESTORE } from '../../src/backup/restore-schema.js';
import { openDatabase } from '../../src/db/open-database.js';
import { CLI, jsonOut, runCli } from '../support/cli.js';
import { type EngineFixture, embeddedFixture, serverFixture, tempDir } from '../support/engines.js';

const PASSWORD = 'crash-test-admin-9x';

/** Runs `smgr --json restore database`, killing it with SIGKILL as it prints its `killAt`-th event (never, if undefined). */
function restore(
  home: string,
  args: string[],
  killAt?: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; events: string[]; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, '--json', 'restore', 'database', ...args], {
      env: { ...process.env, SMGR_HOME: home, SMGR_COMPUTER_NAME: 'crash-ms' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const events: string[] = [];
    let stdout = '';
    let pending = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      pending += d;
      for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const e = JSON.parse(line);
        if (e.type !== 'progress') continue;
        events.push(
          e.phase === 'step' ? `step: ${e.message}` : `${e.phase} ${e.table}${e.tableDone ? ' done' : ''}`,
        );
        if (events.length === killAt) child.kill('SIGKILL');
      }
    });
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, events, stdout }));
  });
}

const cases: Array<{ make: () => EngineFixture; points: number; jobs: number }> = [
  { make: serverFixture, points: 10, jobs: 2 },
  { make: embeddedFixture, points: 3, jobs: 1 },
];

for (const { make, points, jobs } of cases) {
  const fx = make();
  describe(`kill -9 of restore database (${fx.name}, ${jobs} connection${jobs > 1 ? 's' : ''})`, () => {
    const root = tempDir('smgr-rcrash-');
    const home = path.join(root, 'home');
    let archive = '';
    let expected: Record<string, number> = {};
    const argsFor = (url: string) => ['--from', archive, '--database', url, '--jobs', String(jobs)];

    before(async () => {
      fs.writeFileSync(path.join(root, 'pw'), PASSWORD);
      const url = fx.name === 'server' ? await fx.newDatabaseUrl() : `pglite:${path.join(root, 'source')}`;
      const env = { home, computerName: 'crash-ms' };
      const setup = await runCli(
        [
          'setup',
          'management-server',
          '--new-database',
          '--management-group',
          'Crash',
          '--database',
          url,
        ].concat(['--admin-user', 'admin', '--admin-password-file', path.join(root, 'pw')]),
        env,
      );
      assert.equal(setup.code, 0, setup.stderr);
      const db = await openDatabase(url);
      try {
        // ~40 MB of COPY text: several slices of work_items, and history rows referencing them.
        await db.query(
          `INSERT INTO work_items (class, display_id, title, description, status)
           SELECT 'incident', 'IR' || g, 'Item ' || g, repeat(md5(g::text), 18), 'active'
             FROM generate_series(1, 60000) g`,
        );
        await db.query(
          `INSERT INTO work_item_history (work_item_id, actor, change)
           SELECT g, 'admin', jsonb_build_object('field', 'status', 'to', 'active') FROM generate_series(1, 60000) g`,
        );
      } finally {
        await db.close();
      }
      const backup = await runCli(['--json', 'backup', 'create', '--to', path.join(root, 'backups')], env);
      assert.equal(backup.code, 0, backup.stderr);
      const a = jsonOut(backup.stdout).archives[0];
      archive = a.file;
      expected = Object.fromEntries(
        a.databases[0].tables.map((t: { name: string; rows: number }) => [t.name, t.rows]),
      );
      // The restore's finishing step writes these after the manifest check (the change feed's epoch).
      for (const t of TABLES_WRITTEN_AFTER_RESTORE) if (t in expected) expected[t] = 1;
    });
    after(async () => {
      await fx.cleanup();
      fs.rmSync(root, { recursive: true, force: true });
    });

    /** Empty (no table in public), or whole (every table with its rows); and no half of either. */
    async function state(url: string): Promise<'empty' | 'whole'> {
      const db = await openDatabase(url);
      try {
        const tables = await db.query<{ name: string }>(
          "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'smgr_schema'",
        );
        if (tables.rowCount === 0) return 'empty';
        const rows: Record<string, number> = {};
        for (const { name } of tables.rows) {
          rows[name] = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${name}"`)).rows[0]!.n;
        }
        assert.deepEqual(rows, expected, 'a target that is not empty is whole');
        return 'whole';
      } finally {
        await db.close();
      }
    }

    test(`the target is empty or whole after a kill at each of ${points} points, and the next restore succeeds`, async (t) => {
      const reference = await restore(home, argsFor(await fx.newDatabaseUrl()));
      assert.equal(reference.code, 0, reference.stdout);
      const n = reference.events.length;
      assert.ok(n >= points, `only ${n} progress events`);
      if (jobs > 1) {
        for (const phase of ['building keys and indexes', 'moving the restored tables into place']) {
          assert.ok(
            reference.events.some((e) => e.includes(phase)),
            reference.events.join('\n'),
          );
        }
      }
      const seen: string[] = [];
      for (let i = 0; i < points; i++) {
        // Evenly spread over the run, the last point on the last event (the final move).
        const killAt = Math.max(1, Math.round(((i + 1) * n) / points));
        const url = await fx.newDatabaseUrl();
        const killed = await restore(home, argsFor(url), killAt);
        const at = reference.events[killAt - 1];
        const after = await state(url);
        seen.push(`${killAt}/${n} (${at}): ${killed.signal ?? `exit ${killed.code}`}, ${after}`);
        if (after === 'whole') continue;
        const next = await restore(home, argsFor(url));
        assert.equal(next.code, 0, `${seen.at(-1)}\n${next.stdout}`);
        assert.equal(await state(url), 'whole');
        if (fx.name === 'server') {
          const db = await openDatabase(url);
          try {
            const staging = await db.query("SELECT 1 FROM pg_namespace WHERE nspname LIKE 'smgr_restore_%'");
            assert.equal(staging.rowCount, 0, 'the next restore removed the staging schema');
          } finally {
            await db.close();
          }
        }
      }
      for (const line of seen) t.diagnostic(line);
      assert.ok(seen.filter((s) => s.includes('SIGKILL')).length >= points - 1, seen.join('\n'));
    });
  });
}
