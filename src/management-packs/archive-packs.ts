/**
 * The unsealed packs of a backup archive (docs/FORMAT.md §2.11: named
 * entries `packs/<id>.json`): what every backup writes (packEntries, read in
 * the backup's snapshot) and what `smgr mp import --from-archive` reads back
 * (packsOfArchive: the whole archive is checked and authenticated first, the
 * entries are handed out only once the manifest vouches for them).
 */

import { checkArchive } from '../backup/check-archive.js';
import type { Progress } from '../backup/progress.js';
import type { ReadArchiveOptions } from '../backup/read-archive.js';
import type { ArchiveEntry } from '../backup/write-archive.js';
import type { Queryable } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { parsePackText } from './check-pack.js';
import type { Pack } from './pack-schema.js';
import { listPacks } from './pack-store.js';

export const PACKS_AREA = 'packs';

/** Every unsealed, not removed pack as `packs/<id>.json` (pretty JSON, as `smgr mp export` writes). */
export async function* packEntries(tx: Queryable): AsyncIterable<ArchiveEntry> {
  for (const p of await listPacks(tx)) {
    if (p.sealed) continue;
    yield {
      name: `${PACKS_AREA}/${p.id}.json`,
      data: Buffer.from(`${JSON.stringify(p.document, null, 2)}\n`),
    };
  }
}

/** The packs of an archive, checked against the pack schema, in archive order. */
export async function packsOfArchive(
  file: string,
  keys: ReadArchiveOptions,
  progress?: Progress,
): Promise<Pack[]> {
  const texts: Array<{ name: string; text: string }> = [];
  await checkArchive(file, keys, {
    progress,
    onEntry: async (name, data) => {
      if (name.startsWith(`${PACKS_AREA}/`) && name.endsWith('.json'))
        texts.push({ name, text: data.toString('utf8') });
    },
  });
  if (texts.length === 0) throw new SmgrError('PACK_NO_PACKS', { file });
  return texts.map((t) => parsePackText(t.text));
}
