/** smgr backup list prints sizes for people: a 22 kB archive is 22.4 kB, not 0.0 MB. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/engines.js';

test('backup list shows human sizes (kB, MB) and the exact bytes with --json', async () => {
  const dir = tempDir('smgr-list-');
  try {
    fs.writeFileSync(path.join(dir, 'Small-20261125T030405Z.smbak'), Buffer.alloc(22_431));
    fs.writeFileSync(path.join(dir, 'Large-20261125T030406Z.smbak'), Buffer.alloc(1_250_000));
    const r = await runCli(['backup', 'list', '--dir', dir], { home: path.join(dir, 'home') });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\s22\.4 kB\s+\(no summary\)\s+Small-20261125T030405Z\.smbak$/m);
    assert.match(r.stdout, /\s1\.3 MB\s+\(no summary\)\s+Large-20261125T030406Z\.smbak$/m);
    const json = await runCli(['backup', 'list', '--dir', dir, '--json'], { home: path.join(dir, 'home') });
    const sizes = JSON.parse(json.stdout)
      .backups.map((b: { size: number }) => b.size)
      .sort((a: number, b: number) => a - b);
    assert.deepEqual(sizes, [22_431, 1_250_000]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
