/**
 * Data follows the packs (docs/MANAGEMENT-PACKS.md §2.1): the `properties`
 * of a work item or configuration item checked against the class extensions
 * of the imported packs. A key with a `.` is an extension property: unknown
 * for the item's class → VALIDATION naming it; a value of the wrong type →
 * VALIDATION naming the property and its type; a missing required one takes
 * its default or is refused. Keys without a `.` stay free-form. The values
 * of a removed pack's properties are kept (a replacing `properties` keeps
 * them) and hidden from answers until the pack comes back.
 */
import { SmgrError } from '../errors/smgr-error.js';
import { type PackCatalog, valueProblem } from './pack-catalog.js';

type Properties = Record<string, unknown>;

export const isExtensionKey = (key: string): boolean => key.includes('.');

const invalid = (detail: string) => new SmgrError('VALIDATION', { detail });

/**
 * The properties to store for an item of `className`: `given` checked, with
 * defaults of missing properties filled in and, when replacing `previous`,
 * the values of properties no imported pack defines any more kept.
 */
export function checkExtensionProperties(
  catalog: PackCatalog,
  className: string,
  given: Properties,
  previous?: Properties,
): Properties {
  const defined = catalog.propertiesOf(className);
  const out: Properties = {};
  for (const [key, value] of Object.entries(previous ?? {})) {
    if (isExtensionKey(key) && !defined.has(key) && !(key in given)) out[key] = value;
  }
  for (const [key, value] of Object.entries(given)) {
    if (isExtensionKey(key)) {
      const p = defined.get(key);
      if (!p) throw invalid(`body/properties/${key}: class ${className} has no property ${key}`);
      if (value === null && p.required) throw invalid(`body/properties/${key}: is required`);
      const why = value === null ? undefined : valueProblem(p, value, catalog);
      if (why) throw invalid(`body/properties/${key}: ${why} (property ${p.name}, type ${p.type})`);
    }
    out[key] = value;
  }
  for (const [key, p] of defined) {
    if (key in out) continue;
    if (p.default !== undefined) out[key] = p.default;
    else if (p.required) throw invalid(`body/properties/${key}: missing (required property ${p.name})`);
  }
  return out;
}

/** The properties an answer shows: those of removed packs hidden. */
export function visibleProperties(
  catalog: PackCatalog,
  className: string,
  properties: Properties,
): Properties {
  const defined = catalog.propertiesOf(className);
  const out: Properties = {};
  for (const [key, value] of Object.entries(properties)) {
    if (!isExtensionKey(key) || defined.has(key)) out[key] = value;
  }
  return out;
}

/** An item with its properties as an answer shows them. */
export function withVisibleProperties<T extends { class: string; properties: Properties }>(
  catalog: PackCatalog,
  item: T,
): T {
  return { ...item, properties: visibleProperties(catalog, item.class, item.properties) };
}
