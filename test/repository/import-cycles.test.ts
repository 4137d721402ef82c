/**
 * No two folders of src/ import each other at run time (issue 8 item 7): a
 * folder is a layer or a part, and a cycle between two of them means neither
 * can be understood, tested or replaced alone. Type-only imports
 * (`import type`) are erased by tsc and do not count: the part contract's
 * types are shared by design.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const IMPORT = /^import (?!type )[^;]*?from '(\.\.?\/[^']+)'/gms;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

test('no two folders of src/ import each other at run time', () => {
  /** folder → folder it imports → one file that does. */
  const edges = new Map<string, Map<string, string>>();
  for (const file of sourceFiles('src')) {
    const from = file.split(path.sep)[1]!;
    for (const m of fs.readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = path.normalize(path.join(path.dirname(file), m[1]!)).split(path.sep);
      if (target[0] !== 'src' || target.length < 3 || target[1] === from) continue;
      if (!edges.has(from)) edges.set(from, new Map());
      edges.get(from)!.set(target[1]!, file);
    }
  }
  const cycles: string[] = [];
  for (const [a, targets] of edges) {
    for (const [b, file] of targets) {
      const back = edges.get(b)?.get(a);
      if (back && a < b) cycles.push(`${a} <-> ${b} (${file}, ${back})`);
    }
  }
  assert.deepEqual(cycles, []);
});
