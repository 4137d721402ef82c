/**
 * Management packs as the console's administrator pages handle them (issue
 * 14 item 2): the list (sealed or unsealed, version, removed or not), import
 * of an uploaded file, export as the file `smgr mp import` takes, removal.
 * The rules are the packs' own (src/management-packs/import-pack.ts): an
 * import or removal is one transaction and a refusal (PACK_INVALID,
 * PACK_SEALED, ...) changes nothing. Uploaded text is parsed here, never
 * evaluated.
 */
import type { Database, Queryable } from '../../db/database.js';
import { SmgrError } from '../../errors/smgr-error.js';
import { parsePackText } from '../../management-packs/check-pack.js';
import { type ImportOutcome, importPack, removePack } from '../../management-packs/import-pack.js';
import { getPack, listPacks } from '../../management-packs/pack-store.js';
import { type PackSummary, packSummary } from '../../management-packs/pack-summary.js';

export async function consolePacks(db: Queryable, includeRemoved = false): Promise<PackSummary[]> {
  return (await listPacks(db, { includeRemoved })).map(packSummary);
}

/** Imports the text of an uploaded pack file (a JSON document, sealed or not). */
export async function importPackFile(db: Database, text: string, actor: string): Promise<ImportOutcome> {
  return importPack(db, parsePackText(text), actor);
}

export interface PackExport {
  fileName: string;
  text: string;
}

/** The pack as the file `smgr mp export` writes (sealed ones with their seal); removed packs are not exported. */
export async function exportPackFile(db: Queryable, id: string): Promise<PackExport> {
  const p = await getPack(db, id);
  if (!p || p.removedAt) throw new SmgrError('PACK_NOT_FOUND', { id });
  return { fileName: `${p.id}.json`, text: `${JSON.stringify(p.document, null, 2)}\n` };
}

export async function removePackById(db: Database, id: string, actor: string): Promise<void> {
  await removePack(db, id, actor);
}
