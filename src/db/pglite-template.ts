/**
 * A template for new embedded data directories. PGlite makes a new data
 * directory by running initdb in a second WebAssembly PostgreSQL beside the
 * first: ~900 MB of memory and seconds to a minute of CPU, whatever the
 * database will hold (issue 16: 40 s and 851 MB to restore a 49-row archive).
 * The result of that initdb is the same every time, so `npm run build` makes
 * it once (scripts/make-pglite-template.mjs → makePgliteTemplate()) as a
 * tarball beside this module, named after the PGlite version; a new data
 * directory is then loaded from it (PGlite's loadDataDir): ~1 s and the
 * memory of an open database. Without a template for the installed PGlite
 * (another version, or a build that skipped it), PGlite runs initdb as before.
 *
 * Crash: the template is written to a temporary name and renamed, so it is
 * whole or absent.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { writeFileAtomic } from '../files/atomic-write.js';

const here = path.dirname(fileURLToPath(import.meta.url));

function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8'));
  return String(pkg.version);
}

/** Where the template of the installed PGlite lives (beside this module, in dist/). */
export function templateFile(): string {
  return path.join(here, `pglite-template-${pgliteVersion()}.tar.gz`);
}

/** The template of the installed PGlite, if the build made one. */
export function readPgliteTemplate(): Blob | undefined {
  try {
    return new Blob([fs.readFileSync(templateFile())]);
  } catch {
    return undefined;
  }
}

/** Runs initdb once, in memory, and keeps the data directory as the template. Answers its path. */
export async function makePgliteTemplate(): Promise<{ file: string; made: boolean }> {
  const file = templateFile();
  if (fs.existsSync(file)) return { file, made: false };
  const pg = await PGlite.create();
  try {
    const tarball = await pg.dumpDataDir('gzip');
    writeFileAtomic(file, new Uint8Array(await tarball.arrayBuffer()), { mode: 0o644 });
  } finally {
    await pg.close();
  }
  for (const old of fs.readdirSync(here)) {
    if (/^pglite-template-.*\.tar\.gz$/.test(old) && path.join(here, old) !== file)
      fs.rmSync(path.join(here, old));
  }
  return { file, made: true };
}

/** True when `dataDir` holds no PostgreSQL data directory yet (opening it would run initdb). */
export function isNewDataDir(dataDir: string): boolean {
  return !fs.existsSync(path.join(dataDir, 'PG_VERSION'));
}
