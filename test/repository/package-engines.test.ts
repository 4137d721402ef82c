/**
 * `npm install` on the oldest Node.js that package.json's engines allow
 * prints no EBADENGINE warning: every locked package's engines.node accepts
 * that version, and the README names the same minimum.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import semver from 'semver';

const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));

test('every locked package supports the oldest Node.js that engines allows, and the README says it', () => {
  const pkg = readJson('package.json') as { engines: { node: string } };
  const oldest = semver.minVersion(pkg.engines.node);
  assert.ok(oldest, `engines.node ${pkg.engines.node} has a minimum`);
  const lock = readJson('package-lock.json') as {
    packages: Record<string, { engines?: { node?: string } | string[] }>;
  };
  const refused = Object.entries(lock.packages)
    .filter(([name]) => name !== '')
    .flatMap(([name, p]) => {
      const range = Array.isArray(p.engines) ? undefined : p.engines?.node;
      return range && !semver.satisfies(oldest, range) ? [`${name} needs node ${range}`] : [];
    });
  assert.deepEqual(refused, [], `packages that would warn EBADENGINE on Node ${oldest}`);
  assert.ok(semver.satisfies(process.version, pkg.engines.node), `this Node ${process.version} is supported`);
  const readme = fs.readFileSync('README.md', 'utf8');
  assert.match(readme, new RegExp(`Node\\.js ${pkg.engines.node.replace(/[.>=]/g, (c) => `\\${c}`)}`));
});
