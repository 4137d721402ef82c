/**
 * smgr's built-in packs (docs/MANAGEMENT-PACKS.md §1, §5): the sealed files
 * of packs/built-in/ (shipped with smgr, read once) and the fingerprint of
 * the release key that must have sealed them. Setup imports them; the API
 * always knows them, so the built-in classes, statuses and priorities exist
 * whatever the database holds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePackText } from './check-pack.js';
import type { Pack } from './pack-schema.js';
import { fingerprintOfPem } from './pack-seal.js';

/** packs/ at the package's root (this module is dist/src/management-packs/). */
export const BUILT_IN_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'packs',
  'built-in',
);

let cached: { packs: Pack[]; releaseFingerprint: string } | undefined;

function load(): { packs: Pack[]; releaseFingerprint: string } {
  if (cached) return cached;
  const names = fs
    .readdirSync(BUILT_IN_DIR)
    .filter((n) => n.endsWith('.json'))
    .sort();
  const packs = names.map((n) => parsePackText(fs.readFileSync(path.join(BUILT_IN_DIR, n), 'utf8')));
  const releaseFingerprint = fingerprintOfPem(
    fs.readFileSync(path.join(BUILT_IN_DIR, 'release-key.pub.pem'), 'utf8'),
  );
  cached = { packs, releaseFingerprint };
  return cached;
}

export function builtInPacks(): readonly Pack[] {
  return load().packs;
}

export function releaseKeyFingerprint(): string {
  return load().releaseFingerprint;
}
