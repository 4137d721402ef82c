/**
 * kill -9 of `smgr recover` at each step, then the same command again: the
 * end state — the database, secure storage, config.json and the journal —
 * is the one an uninterrupted run reaches (issue 13 item 1, "resumable").
 * The kill points are progress events of the run (each step's start, a
 * table of the database restore, the end of the restore and of setup),
 * never times. A last case makes the window between a step's writes and
 * its "done" in the journal certain: after a whole run, the journal is
 * rewritten with every step begun and none done and config.json removed
 * (setup's transaction committed, its config not written), and the rerun
 * must write nothing twice (one rebind in the audit log).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI } from '../support/cli.js';
import { ENGINES, tempDir } from '../support/engines.js';
import { withDb } from '../support/group.js';
import { freePort, makeRecoverFixture, type RecoverFixture } from '../support/recover-fixture.js';
import { dumpDatabaseAt, snapshotDir } from '../support/snapshot.js';

/** What differs between two recoveries of one archive by the clock alone (or the journal's random id). */
const BY_THE_CLOCK = [
  'audit_log.at',
  'audit_log.details',
  'computers.stopped_at',
  'workflow_lease.expires_at',
  'smgr_schema.applied_at',
];

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  events: string[];
  stdout: string;
}

/** `smgr --json recover ...`, killed with SIGKILL as it prints its `killAt`-th progress event (never, if undefined). */
function recover(home: string, args: string[], killAt?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, '--json', 'recover', '--yes', ...args], {
      env: { ...process.env, SMGR_HOME: home, SMGR_COMPUTER_NAME: 'ms01' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const events: string[] = [];
    let stdout = '';
    let pending = '';
    let step = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      pending += d;
      for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n')) {
        const e = JSON.parse(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        if (e.type !== 'progress') continue;
        if (e.recoveryStep) step = e.recoveryStep.id;
        events.push(
          e.recoveryStep
            ? `${e.recoveryStep.id} ${e.recoveryStep.state}`
            : `${step || 'preflight'}: ${e.phase} ${e.table ?? e.message}${e.tableDone ? ' done' : ''}`,
        );
        if (events.length === killAt) child.kill('SIGKILL');
      }
    });
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, events, stdout }));
  });
}

/** Every file's mode and content; a backup identity file without its createdAt (the time it was written). */
function secureStorageState(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, modeAndHash] of Object.entries(snapshotDir(dir))) {
    if (!name.endsWith('.identity')) {
      out[name] = modeAndHash;
      continue;
    }
    const { createdAt: _written, ...rest } = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
    out[name] =
      `${modeAndHash.split(' ')[0]} ${createHash('sha256').update(JSON.stringify(rest)).digest('hex')}`;
  }
  return out;
}

interface EndState {
  database: string;
  secureStorage: Record<string, string>;
  config: unknown;
  rebinds: number;
  journalSteps: Record<string, boolean>;
}

async function endState(home: string, url: string): Promise<EndState> {
  const config = JSON.parse(fs.readFileSync(path.join(home, 'config.json'), 'utf8'));
  const ms = config.parts['management-server'];
  ms.database = '(per run)';
  ms.listen = '(per run)';
  const journal = JSON.parse(fs.readFileSync(path.join(home, 'recover-journal.json'), 'utf8'));
  assert.notEqual(journal.finishedAt, null, 'the journal says the recovery finished');
  return {
    database: await dumpDatabaseAt(url, BY_THE_CLOCK),
    secureStorage: secureStorageState(path.join(home, 'secure-storage')),
    config,
    rebinds: await withDb(
      url,
      async (db) =>
        (
          await db.query(
            `SELECT 1 FROM audit_log WHERE action = 'management-server.rebound' AND details ? 'recovery'`,
          )
        ).rows.length,
    ),
    journalSteps: Object.fromEntries(
      Object.entries(journal.steps as Record<string, { doneAt?: string }>).map(([k, v]) => [k, !!v.doneAt]),
    ),
  };
}

for (const makeFixture of ENGINES) {
  const fx = makeFixture();
  describe(`kill -9 of smgr recover at each step (${fx.name})`, () => {
    const root = tempDir('smgr-recover-crash-');
    let f: RecoverFixture;
    let n = 0;
    /** A new home and target for one run: the target absent (embedded, in the home) or an empty database. */
    const place = async () => {
      const home = f.file(`home-${++n}`);
      const url =
        fx.name === 'server'
          ? await fx.newDatabaseUrl()
          : `pglite:${path.join(home, 'databases', 'ServiceManager')}`;
      const port = await freePort();
      const args = ['--key-file', f.keyFile, '--password-file', f.passFile, '--from', f.archive].concat([
        '--database',
        url,
        '--listen',
        `127.0.0.1:${port}`,
      ]);
      return { home, url, args };
    };

    before(async () => {
      f = await makeRecoverFixture(fx, root);
      fs.rmSync(f.original.home, { recursive: true, force: true });
    });
    after(async () => {
      await fx.cleanup();
      fs.rmSync(root, { recursive: true, force: true });
    });

    test('a rerun after a kill at each step ends in the state of an uninterrupted run', async (t) => {
      const ref = await place();
      const reference = await recover(ref.home, ref.args);
      assert.equal(reference.code, 0, reference.stdout);
      const expected = await endState(ref.home, ref.url);
      assert.equal(expected.rebinds, 1);

      const ev = reference.events;
      const restoreTables = ev.flatMap((e, i) =>
        e.startsWith('management-server:restore-database: table') && e.endsWith(' done') ? [i] : [],
      );
      const points = [
        ...ev.flatMap((e, i) => (e.endsWith(' begun') ? [i] : [])),
        restoreTables[Math.floor(restoreTables.length / 2)]!,
        ev.indexOf('management-server:restore-database done'),
        ev.indexOf('management-server:setup done'),
      ].sort((a, b) => a - b);
      assert.equal(points.length, 7, ev.join('\n'));
      const seen: string[] = [];
      for (const i of points) {
        const run = await place();
        const killed = await recover(run.home, run.args, i + 1);
        const again = await recover(run.home, run.args);
        seen.push(`${ev[i]}: ${killed.signal ?? `exit ${killed.code}`}; rerun exit ${again.code}`);
        assert.equal(again.code, 0, `${seen.at(-1)}\n${again.stdout}`);
        assert.deepEqual(await endState(run.home, run.url), expected, seen.at(-1));
      }
      for (const line of seen) t.diagnostic(line);
      assert.ok(seen.filter((s) => s.includes('SIGKILL')).length >= points.length - 1, seen.join('\n'));
    });

    test("every step begun and none done (killed between a step's writes and its journal entry): the rerun writes nothing twice", async () => {
      const run = await place();
      const first = await recover(run.home, run.args);
      assert.equal(first.code, 0, first.stdout);
      const expected = await endState(run.home, run.url);
      const file = path.join(run.home, 'recover-journal.json');
      const journal = JSON.parse(fs.readFileSync(file, 'utf8'));
      for (const s of Object.values(journal.steps) as Array<Record<string, unknown>>) {
        delete s.doneAt;
        delete s.outcome;
      }
      journal.finishedAt = null;
      fs.writeFileSync(file, JSON.stringify(journal));
      // Killed after setup's transaction, before its config.json: the rebind is in the database already.
      fs.rmSync(path.join(run.home, 'config.json'));
      const again = await recover(run.home, run.args);
      assert.equal(again.code, 0, again.stdout);
      assert.deepEqual(await endState(run.home, run.url), expected);
    });
  });
}
