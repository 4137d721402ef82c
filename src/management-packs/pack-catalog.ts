/**
 * What a set of imported (not removed) packs defines, indexed for the checks
 * of pack-rules.ts and for the API (data-follows-packs): the classes, the
 * extension properties of each class, the enumerations with every item at
 * any depth, templates, offerings. Built from documents; pure, no I/O.
 */
import type {
  EnumerationItem,
  Pack,
  PackClass,
  PackEnumeration,
  PackProperty,
  PackTemplate,
  ValueType,
} from './pack-schema.js';

export interface CatalogProperty extends PackProperty {
  packId: string;
  class: string;
}

export interface CatalogEnumeration extends PackEnumeration {
  packId: string;
  /** Every item at any depth, by id. */
  itemsById: Map<string, EnumerationItem>;
  /** What the API accepts for an item: its `value` if it has one, else its id. */
  accepted: Set<string | number>;
}

/** A built-in field of a class kind: its type as a property would declare it. */
export interface FieldType {
  type: ValueType;
  maxLength?: number;
  list?: string;
  minimum?: number;
  maximum?: number;
  nullable?: boolean;
}

/** The built-in fields of work items and configuration items that templates, questions and views use. */
export const BUILT_IN_FIELDS: Record<PackClass['kind'], Record<string, FieldType>> = {
  'work-item': {
    title: { type: 'string', maxLength: 500 },
    description: { type: 'string', maxLength: 100_000, nullable: true },
    priority: { type: 'list', list: 'smgr.workitems.priority', nullable: true },
    status: { type: 'list', list: 'smgr.workitems.status' },
    assignedTo: { type: 'string', maxLength: 255, nullable: true },
    affectedUser: { type: 'string', maxLength: 255, nullable: true },
  },
  'configuration-item': {
    name: { type: 'string', maxLength: 255 },
  },
};

/** Fields views and criteria may also name (read-only). */
export const READ_ONLY_FIELDS: Record<PackClass['kind'], Record<string, FieldType>> = {
  'work-item': {
    id: { type: 'integer' },
    displayId: { type: 'string', maxLength: 64 },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
  },
  'configuration-item': {
    id: { type: 'integer' },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
  },
};

function walkItems(items: EnumerationItem[] | undefined, visit: (item: EnumerationItem) => void): void {
  for (const item of items ?? []) {
    visit(item);
    walkItems(item.items, visit);
  }
}

export function everyItem(e: { items: EnumerationItem[] }): EnumerationItem[] {
  const out: EnumerationItem[] = [];
  walkItems(e.items, (i) => out.push(i));
  return out;
}

export class PackCatalog {
  readonly packs = new Map<string, Pack>();
  readonly classes = new Map<string, PackClass & { packId: string }>();
  readonly properties = new Map<string, CatalogProperty>();
  readonly enumerations = new Map<string, CatalogEnumeration>();
  readonly templates = new Map<string, PackTemplate & { packId: string }>();
  readonly serviceOfferings = new Set<string>();

  constructor(packs: Iterable<Pack>) {
    for (const p of packs) this.add(p);
  }

  private add(p: Pack): void {
    this.packs.set(p.id, p);
    for (const c of p.classes ?? []) this.classes.set(c.name, { ...c, packId: p.id });
    for (const x of p.classExtensions ?? []) {
      for (const prop of x.properties)
        this.properties.set(prop.id, { ...prop, packId: p.id, class: x.class });
    }
    for (const e of p.enumerations ?? []) {
      const itemsById = new Map<string, EnumerationItem>();
      const accepted = new Set<string | number>();
      for (const i of everyItem(e)) {
        itemsById.set(i.id, i);
        accepted.add(i.value ?? i.id);
      }
      this.enumerations.set(e.id, { ...e, packId: p.id, itemsById, accepted });
    }
    for (const t of p.templates ?? []) this.templates.set(t.id, { ...t, packId: p.id });
    for (const s of p.serviceOfferings ?? []) this.serviceOfferings.add(s.id);
  }

  /** The extension properties of a class, by id. */
  propertiesOf(className: string): Map<string, CatalogProperty> {
    const out = new Map<string, CatalogProperty>();
    for (const [id, p] of this.properties) if (p.class === className) out.set(id, p);
    return out;
  }

  /** A field of a class: built-in (writable, or also read-only ones) or an extension property. */
  fieldOf(className: string, field: string, readOnly = false): FieldType | undefined {
    const c = this.classes.get(className);
    if (!c) return undefined;
    const builtIn =
      BUILT_IN_FIELDS[c.kind][field] ?? (readOnly ? READ_ONLY_FIELDS[c.kind][field] : undefined);
    if (builtIn) return builtIn;
    const p = this.properties.get(field);
    return p && p.class === className ? p : undefined;
  }

  /** The names of the classes of one kind, in pack order. */
  classNames(kind: PackClass['kind']): string[] {
    return [...this.classes.values()].filter((c) => c.kind === kind).map((c) => c.name);
  }
}

/** Why `value` is not a valid value of a field of type `t`, or undefined when it is. */
export function valueProblem(t: FieldType, value: unknown, catalog: PackCatalog): string | undefined {
  if (value === null) return t.nullable ? undefined : 'must not be null';
  switch (t.type) {
    case 'string':
      if (typeof value !== 'string') return 'must be a string';
      if (t.maxLength !== undefined && [...value].length > t.maxLength)
        return `must be at most ${t.maxLength} characters`;
      return undefined;
    case 'integer':
    case 'decimal':
      if (typeof value !== 'number' || !Number.isFinite(value)) return `must be a number (${t.type})`;
      if (t.type === 'integer' && !Number.isSafeInteger(value)) return 'must be an integer';
      if (t.minimum !== undefined && value < t.minimum) return `must be at least ${t.minimum}`;
      if (t.maximum !== undefined && value > t.maximum) return `must be at most ${t.maximum}`;
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'datetime':
      return typeof value === 'string' &&
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(value) &&
        !Number.isNaN(Date.parse(value))
        ? undefined
        : 'must be an RFC 3339 date-time with an offset (2026-11-30T09:00:00Z)';
    case 'list': {
      const e = t.list ? catalog.enumerations.get(t.list) : undefined;
      if (!e) return `names list ${t.list}, which no imported pack defines`;
      if ((typeof value === 'string' || typeof value === 'number') && e.accepted.has(value)) return undefined;
      return `must be an item id of list ${e.id}`;
    }
  }
}
