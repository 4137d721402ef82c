/**
 * The lock cannot be taken twice: openers in separate processes racing for a
 * stale lock, a holder killed with SIGKILL, a second opener in the same
 * process, and two paths to one directory.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { tempDir } from '../../test/support/engines.js';
import { holdLock } from '../../test/support/hold-lock.js';
import { lockFile } from './file-lock.js';

const WORKER = path.resolve('dist/test/support/lock-worker.js');
const OPENERS = 20;
const ROUNDS = 200;

const dir = tempDir('smgr-file-lock-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

class Busy extends Error {
  constructor(readonly pid: number | string) {
    super(`held by process ${pid}`);
  }
}
const busy = (pid: number | string) => new Busy(pid);
const heldBy = (pid: number) => (e: unknown) => e instanceof Busy && e.pid === pid;

interface Answer {
  ready?: boolean;
  won?: boolean;
  code?: string;
  pid?: number | string;
  released?: boolean;
}

/** A forked opener (test/support/lock-worker.ts) answering one message per command. */
function opener(): { child: ChildProcess; ask(m?: object): Promise<Answer> } {
  const child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const answers: Answer[] = [];
  const waiting: Array<(a: Answer) => void> = [];
  child.on('message', (a: Answer) => {
    const w = waiting.shift();
    if (w) w(a);
    else answers.push(a);
  });
  const exited = new Promise<never>((_, reject) =>
    child.on('exit', (code, signal) => reject(new Error(`opener ${child.pid} exited (${code ?? signal})`))),
  );
  exited.catch(() => {});
  return {
    child,
    ask(m?: object) {
      if (m) child.send(m);
      const next = answers.shift();
      if (next) return Promise.resolve(next);
      return Promise.race([new Promise<Answer>((r) => waiting.push(r)), exited]);
    },
  };
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

const readPidFile = (p: string) => fs.readFileSync(p, 'utf8').trim();

test(`${OPENERS} openers in separate processes race for a stale lock: exactly one wins, ${ROUNDS} rounds out of ${ROUNDS}`, async () => {
  const dead = await deadPid();
  const openers = Array.from({ length: OPENERS }, opener);
  try {
    for (const o of openers) assert.deepEqual(await o.ask(), { ready: true });
    for (let round = 1; round <= ROUNDS; round++) {
      const lockPath = path.join(dir, `race-${round}.lock`);
      fs.writeFileSync(lockPath, `${dead}\n`); // its holder died: a stale lock
      const at = Date.now() + 10; // every opener tries at the same moment
      const answers = await Promise.all(openers.map((o) => o.ask({ op: 'take', path: lockPath, at })));
      const winners = openers.filter((_, i) => answers[i]!.won);
      assert.equal(winners.length, 1, `round ${round}: ${winners.length} openers took the lock`);
      const winner = winners[0]!.child.pid!;
      assert.equal(readPidFile(lockPath), String(winner), `round ${round}: the pid file names the winner`);
      for (const a of answers.filter((x) => !x.won)) {
        assert.equal(a.code, 'BUSY', `round ${round}: a loser failed otherwise: ${a.code}`);
        assert.ok(a.pid === winner || a.pid === 'unknown', `round ${round}: a loser named process ${a.pid}`);
      }
      assert.deepEqual(await winners[0]!.ask({ op: 'release' }), { released: true });
      assert.equal(fs.existsSync(lockPath), false, `round ${round}: release removes the pid file`);
    }
  } finally {
    for (const o of openers) o.child.kill();
  }
});

test('a lock whose holder was killed with SIGKILL is taken over at once, and named until then', async () => {
  const lockPath = path.join(dir, 'killed.lock');
  const holder = await holdLock(lockPath);
  await assert.rejects(lockFile(lockPath, busy), heldBy(holder.pid));

  await holder.kill('SIGKILL');
  assert.equal(readPidFile(lockPath), String(holder.pid), 'the killed holder left its pid file');
  const lock = await lockFile(lockPath, busy);
  assert.equal(readPidFile(lockPath), String(process.pid));
  lock.release();
});

test('a second opener in the same process is refused; after release the lock is free at once', async () => {
  const lockPath = path.join(dir, 'same.lock');
  const first = await lockFile(lockPath, busy);
  await assert.rejects(lockFile(lockPath, busy), heldBy(process.pid));
  first.release();
  first.release(); // twice is harmless
  assert.equal(fs.existsSync(lockPath), false);
  const second = await lockFile(lockPath, busy);
  second.release();
});

test('every path to the same directory names the same lock; other names are other locks', async () => {
  const real = path.join(dir, 'real');
  fs.mkdirSync(real);
  fs.symlinkSync(real, path.join(dir, 'link'));
  const lock = await lockFile(path.join(real, 'x.lock'), busy);
  try {
    await assert.rejects(lockFile(path.join(dir, 'link', 'x.lock'), busy), heldBy(process.pid));
    await assert.rejects(lockFile(path.join(dir, 'link', '..', 'real', 'x.lock'), busy), heldBy(process.pid));
    const other = await lockFile(path.join(real, 'y.lock'), busy);
    other.release();
  } finally {
    lock.release();
  }
});
