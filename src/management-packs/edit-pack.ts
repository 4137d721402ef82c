/**
 * Edits of an unsealed pack through the API (docs/MANAGEMENT-PACKS.md §8):
 * add a list item, add a template, publish a request offering. Each edit
 * changes the stored document, bumps its revision (the fourth part of the
 * version) and is checked exactly as an import of the result would be,
 * under the managementPacks lock in one transaction with its audit row; a
 * sealed or removed pack is refused, and a refusal changes nothing.
 */

import { audit } from '../audit/audit.js';
import type { Database } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { checkPackDocument, invalidPack } from './check-pack.js';
import { PackCatalog } from './pack-catalog.js';
import { packProblems } from './pack-rules.js';
import type { EnumerationItem, Pack } from './pack-schema.js';
import { activePacks, getPack, writePack } from './pack-store.js';

export interface EditOutcome {
  id: string;
  version: string;
}

const bumpRevision = (v: string) => {
  const parts = v.split('.').map(Number);
  parts[3] = (parts[3] ?? 0) + 1;
  return parts.join('.');
};

export async function editPack(
  db: Database,
  id: string,
  actor: string,
  action: string,
  edit: (doc: Pack) => void,
): Promise<EditOutcome> {
  return db.transaction(async (tx) => {
    await tx.lock('managementPacks');
    const existing = await getPack(tx, id);
    if (!existing || existing.removedAt) throw new SmgrError('PACK_NOT_FOUND', { id });
    if (existing.sealed)
      throw new SmgrError('PACK_SEALED', { id, detail: 'it cannot be changed through the API' });
    const doc = structuredClone(existing.document);
    edit(doc);
    doc.version = bumpRevision(doc.version);
    const pack = checkPackDocument(doc);
    const problems = packProblems(pack, new PackCatalog((await activePacks(tx)).filter((p) => p.id !== id)));
    if (problems.length > 0) throw invalidPack(problems);
    await writePack(tx, { document: pack, sealed: false, keyFingerprint: null, actor });
    await audit(tx, actor, `management-pack.${action}`, id, { version: pack.version });
    return { id, version: pack.version };
  });
}

function findItems(items: EnumerationItem[], parentId: string): EnumerationItem | undefined {
  for (const i of items) {
    if (i.id === parentId) return i;
    const found = findItems(i.items ?? [], parentId);
    if (found) return found;
  }
  return undefined;
}

/** Adds `item` to list `listId` of the pack, at the top level or under `parent`. */
export function addListItem(listId: string, item: EnumerationItem, parent?: string) {
  return (doc: Pack) => {
    const e = doc.enumerations?.find((x) => x.id === listId);
    if (!e)
      throw new SmgrError('PACK_INVALID', { detail: `/enumerations: no list ${listId} in pack ${doc.id}` });
    if (!parent) return void e.items.push(item);
    const p = findItems(e.items, parent);
    if (!p)
      throw new SmgrError('PACK_INVALID', { detail: `/enumerations: no item ${parent} in list ${listId}` });
    p.items = [...(p.items ?? []), item];
  };
}

export function addTemplate(template: NonNullable<Pack['templates']>[number]) {
  return (doc: Pack) => {
    doc.templates = [...(doc.templates ?? []), template];
  };
}

export function setOfferingStatus(offeringId: string, status: 'published' | 'draft') {
  return (doc: Pack) => {
    const r = doc.requestOfferings?.find((x) => x.id === offeringId);
    if (!r)
      throw new SmgrError('PACK_INVALID', {
        detail: `/requestOfferings: no request offering ${offeringId} in pack ${doc.id}`,
      });
    r.status = status;
  };
}
