/**
 * drill-child: the drill's child process as its parent sees it, without a database: a child that
 * cannot begin answers a FAILED drill with its reason; one past its time limit is killed and is a
 * FAILED drill; an aborted one (the server stopping) is killed and rejects DRILL_INTERRUPTED, no
 * evidence. In each case no child and no scratch home outlive the call.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { tempDir } from '../../test/support/engines.js';
import { homePaths } from '../computer/home.js';
import { drillInChild } from './drill-child.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('a drill in a child process', () => {
  const root = tempDir('smgr-drill-child-');
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  const base = {
    home: homePaths(path.join(root, 'no-home')),
    computerName: 'ms01',
    part: 'management-server' as const,
    file: path.join(root, 'Contoso-20261130T000000Z.smbak'),
    archiveCreatedAt: '2026-11-30T00:00:00.000Z',
  };
  const scratch = (pid: number) =>
    fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(`smgr-drill-${pid}-`));

  test('a child that cannot begin: a FAILED drill with its reason', async () => {
    let pid = 0;
    const d = await drillInChild({
      ...base,
      onStart: (p) => {
        pid = p;
      },
    });
    assert.equal(d.ok, false);
    assert.equal(d.kind, 'drill');
    assert.equal(d.archive, 'Contoso-20261130T000000Z.smbak');
    assert.match(d.error!, /^NOT_INSTALLED: /);
    assert.ok(pid > 0 && pid !== process.pid);
    assert.equal(alive(pid), false);
  });

  test('past its time limit: killed, a FAILED drill saying so', async () => {
    let pid = 0;
    const d = await drillInChild({
      ...base,
      timeoutMs: 1,
      onStart: (p) => {
        pid = p;
      },
    });
    assert.equal(d.ok, false);
    assert.match(d.error!, /took longer than 0\.001 s; its process was killed/);
    assert.equal(alive(pid), false);
    assert.deepEqual(scratch(pid), []);
  });

  test('aborted (the server stopping): killed, DRILL_INTERRUPTED, no evidence', async () => {
    const stop = new AbortController();
    let pid = 0;
    const p = drillInChild({
      ...base,
      signal: stop.signal,
      onStart: (x) => {
        pid = x;
      },
    });
    stop.abort();
    await assert.rejects(p, (e: unknown) => (e as { code?: string }).code === 'DRILL_INTERRUPTED');
    assert.equal(alive(pid), false);
    assert.deepEqual(scratch(pid), []);
  });
});
