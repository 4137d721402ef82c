/**
 * The example pack of docs/MANAGEMENT-PACKS.md (the last ```json block), read
 * as it stands, for tests that import it; and the repository's root.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is dist/test/support/pack-example.js). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function docExampleText(): string {
  const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'MANAGEMENT-PACKS.md'), 'utf8');
  const blocks = [...doc.matchAll(/```json\n([\s\S]*?)\n```/g)];
  const last = blocks.at(-1);
  if (!last) throw new Error('docs/MANAGEMENT-PACKS.md has no ```json block');
  return last[1]!;
}

/** A fresh copy of the example pack, parsed. */
// biome-ignore lint/suspicious/noExplicitAny: tests mutate the example freely
export function docExample(): Record<string, any> {
  return JSON.parse(docExampleText());
}
