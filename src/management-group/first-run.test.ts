/** The first run of smgr start: nothing on an installed home; a failed setup leaves the home as it was. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { tempDir } from '../../test/support/engines.js';
import { snapshotDir } from '../../test/support/snapshot.js';
import { homePaths } from '../computer/home.js';
import { writeConfig } from '../config/config-file.js';
import { isSmgrError } from '../errors/smgr-error.js';
import { adminPasswordFile, firstRun } from './first-run.js';

const roots: string[] = [];
const newRoot = () => {
  const d = tempDir('smgr-first-run-');
  roots.push(d);
  return d;
};
after(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

const run = (root: string, groupName: string, steps: string[]) =>
  firstRun({
    home: homePaths(root),
    computerName: 'laptop',
    groupName,
    progress: { step: (t) => steps.push(t) },
  });

describe('first run', () => {
  test('an installed home: nothing happens, nothing is reported', async () => {
    const root = newRoot();
    const home = homePaths(root);
    writeConfig(home, { format: 2, computerName: 'laptop', parts: {} });
    const before = snapshotDir(root);
    const steps: string[] = [];
    assert.equal(await run(root, 'Default', steps), undefined);
    assert.deepEqual(steps, []);
    assert.deepEqual(snapshotDir(root), before);
  });

  test('a bad group name is refused with its message; a home it had to create is not left behind', async () => {
    const root = path.join(newRoot(), 'home');
    const steps: string[] = [];
    await assert.rejects(
      run(root, '-bad/name', steps),
      (e) => isSmgrError(e) && e.code === 'USAGE' && /management group name must be/.test(e.message),
    );
    assert.equal(fs.existsSync(root), false);
    assert.match(steps.join('\n'), /^First run: nothing is installed in /);
  });

  test('setup failing after the password file was written: the existing home is exactly as it was', async () => {
    const root = newRoot();
    // A database directory that is not a PGlite database: setup fails opening it.
    fs.mkdirSync(path.join(root, 'databases', 'ServiceManager'), { recursive: true });
    fs.writeFileSync(path.join(root, 'databases', 'ServiceManager', 'PG_VERSION'), 'not a database\n');
    const before = snapshotDir(root);
    await assert.rejects(run(root, 'Default', []));
    assert.deepEqual(snapshotDir(root), before);
    assert.equal(fs.existsSync(adminPasswordFile(homePaths(root))), false);
  });
});
