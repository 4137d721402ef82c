/**
 * The OpenAPI document shows the class extensions of the imported packs
 * (docs/MANAGEMENT-PACKS.md §2.1): each extension property becomes a named
 * member of the `properties` object of the WorkItem or ConfigItem schema,
 * typed as the API checks it (a list property: the ids of its items). The
 * document is copied, never changed in place.
 */
import type { CatalogProperty, PackCatalog } from './pack-catalog.js';

type JsonSchema = Record<string, unknown>;

function schemaOf(p: CatalogProperty, catalog: PackCatalog): JsonSchema {
  const nullable = (type: string) => (p.required ? type : [type, 'null']);
  const description = `${p.name} (class ${p.class}, pack ${p.packId})${p.description ? `: ${p.description}` : ''}`;
  const base = { description, ...(p.default !== undefined ? { default: p.default } : {}) };
  switch (p.type) {
    case 'string':
      return { ...base, type: nullable('string'), maxLength: p.maxLength };
    case 'integer':
    case 'decimal':
      return {
        ...base,
        type: nullable(p.type === 'integer' ? 'integer' : 'number'),
        ...(p.minimum !== undefined ? { minimum: p.minimum } : {}),
        ...(p.maximum !== undefined ? { maximum: p.maximum } : {}),
      };
    case 'boolean':
      return { ...base, type: nullable('boolean') };
    case 'datetime':
      return { ...base, type: nullable('string'), format: 'date-time' };
    case 'list':
      return {
        ...base,
        type: nullable('string'),
        enum: [...(catalog.enumerations.get(p.list ?? '')?.accepted ?? [])],
        description: `${description}. An item id of list ${p.list}.`,
      };
  }
}

export function withExtensionProperties<T extends object>(doc: T, catalog: PackCatalog): T {
  const copy = structuredClone(doc) as T & { components?: { schemas?: Record<string, JsonSchema> } };
  const targets: Array<[string, 'work-item' | 'configuration-item']> = [
    ['WorkItem', 'work-item'],
    ['ConfigItem', 'configuration-item'],
  ];
  for (const [name, kind] of targets) {
    const schema = copy.components?.schemas?.[name] as
      | { properties?: Record<string, JsonSchema> }
      | undefined;
    const bag = schema?.properties?.properties;
    if (!bag) continue;
    const members: Record<string, JsonSchema> = {};
    for (const c of catalog.classNames(kind)) {
      for (const p of catalog.propertiesOf(c).values()) members[p.id] = schemaOf(p, catalog);
    }
    if (Object.keys(members).length === 0) continue;
    bag.properties = members;
    bag.description =
      `${String(bag.description ?? '')} Keys with a "." are the class extension properties of the imported management packs (listed here, each for its class); other keys are free-form.`.trim();
  }
  return copy;
}
