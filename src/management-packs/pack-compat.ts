/**
 * docs/MANAGEMENT-PACKS.md §6: whether a sealed pack may replace the
 * imported sealed version of the same id. Every violation is returned (an
 * empty list: compatible); pure, no I/O.
 */
import { everyItem } from './pack-catalog.js';
import type { Pack } from './pack-schema.js';
import { compareVersions } from './pack-version.js';

export function upgradeViolations(
  old: Pack,
  next: Pack,
  fingerprints: { old: string; next: string },
): string[] {
  const out: string[] = [];
  if (compareVersions(next.version, old.version) <= 0)
    out.push(`/version: ${next.version} is not higher than the imported ${old.version}`);
  if (fingerprints.old !== fingerprints.next)
    out.push(`/seal: signed by key ${fingerprints.next}, the imported version by ${fingerprints.old}`);

  const nextExtensions = new Map((next.classExtensions ?? []).map((x) => [x.id, x]));
  const nextProps = new Map((next.classExtensions ?? []).flatMap((x) => x.properties.map((p) => [p.id, p])));
  for (const x of old.classExtensions ?? []) {
    const nx = nextExtensions.get(x.id);
    if (!nx) out.push(`/classExtensions: class extension ${x.id} was removed`);
    else if (nx.class !== x.class) out.push(`/classExtensions: ${x.id} extends ${nx.class}, was ${x.class}`);
    for (const p of x.properties) {
      const np = nextProps.get(p.id);
      if (!np) {
        out.push(`/classExtensions: property ${p.id} was removed`);
        continue;
      }
      if (np.type !== p.type)
        out.push(`/classExtensions: property ${p.id} changed type ${p.type} → ${np.type}`);
      else if (p.type === 'list' && np.list !== p.list)
        out.push(`/classExtensions: property ${p.id} now lists ${np.list}, was ${p.list}`);
      else if (p.type === 'string' && (np.maxLength ?? 0) < (p.maxLength ?? 0))
        out.push(`/classExtensions: property ${p.id} maxLength lowered ${p.maxLength} → ${np.maxLength}`);
      if (np.required && !p.required && np.default === undefined)
        out.push(`/classExtensions: property ${p.id} became required without a default`);
    }
  }

  const nextEnums = new Map((next.enumerations ?? []).map((e) => [e.id, e]));
  for (const e of old.enumerations ?? []) {
    const ne = nextEnums.get(e.id);
    if (!ne) {
      out.push(`/enumerations: list ${e.id} was removed`);
      continue;
    }
    const have = new Set(everyItem(ne).map((i) => i.id));
    for (const i of everyItem(e))
      if (!have.has(i.id)) out.push(`/enumerations: list item ${i.id} was removed`);
  }
  return out;
}
