/**
 * What smgr's code takes from its built-in packs (packs/built-in/): the
 * work item and configuration item classes, the work item display prefixes,
 * statuses and priorities. The API's schemas are made from these, so the
 * packs decide what the API accepts; the TypeScript types of the code that
 * handles each class stay declared where they are used (a test checks the
 * packs and those types agree).
 */
import { builtInPacks } from './built-in-packs.js';
import { everyItem } from './pack-catalog.js';
import type { PackClass } from './pack-schema.js';

export function builtInClasses(kind: PackClass['kind']): PackClass[] {
  return builtInPacks().flatMap((p) => (p.classes ?? []).filter((c) => c.kind === kind));
}

/** The API values of a built-in list's items (`value`, else the id), in order. */
export function builtInListValues(listId: string): Array<string | number> {
  for (const p of builtInPacks()) {
    const e = p.enumerations?.find((x) => x.id === listId);
    if (e) return everyItem(e).map((i) => i.value ?? i.id);
  }
  throw new Error(`no built-in list ${listId}`);
}
