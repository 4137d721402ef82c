/**
 * The class extension properties of a work item class as form fields of the
 * new work item page: a list property is a drop-down of its list's items (at
 * any depth, indented by depth), a boolean a yes/no choice, the others a text
 * field. Values read back from a submitted form are typed as the property
 * declares; the API validates them again (a refusal is shown on the form,
 * nothing created). Pure: no I/O.
 */
import { everyItem, type PackCatalog } from '../../management-packs/pack-catalog.js';
import type { EnumerationItem } from '../../management-packs/pack-schema.js';

export interface ExtensionOption {
  value: string;
  label: string;
}

export interface ExtensionField {
  /** The form field's name: `property:` and the property id. */
  name: string;
  /** The HTML id of the field. */
  id: string;
  label: string;
  kind: 'select' | 'text';
  options: ExtensionOption[];
  value: string;
  required: boolean;
}

const fieldName = (propertyId: string) => `property:${propertyId}`;

function listOptions(catalog: PackCatalog, list: string | undefined): ExtensionOption[] {
  const e = list ? catalog.enumerations.get(list) : undefined;
  if (!e) return [];
  const depthOf = new Map<EnumerationItem, number>();
  const walk = (items: EnumerationItem[] | undefined, depth: number) => {
    for (const i of items ?? []) {
      depthOf.set(i, depth);
      walk(i.items, depth + 1);
    }
  };
  walk(e.items, 0);
  return everyItem(e).map((i) => ({
    value: JSON.stringify(i.value ?? i.id),
    label: `${'\u2003'.repeat(depthOf.get(i) ?? 0)}${i.name}`,
  }));
}

/** The form's value of a typed value: list values as their JSON, others as text. */
function formValue(type: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (type === 'list') return JSON.stringify(value);
  return String(value);
}

/** The extension fields of `className`, filled from `values` (a template's, or a submitted form's typed values). */
export function extensionFields(
  catalog: PackCatalog,
  className: string,
  values: Record<string, unknown>,
): ExtensionField[] {
  return [...catalog.properties.values()]
    .filter((p) => p.class === className)
    .map((p, i) => {
      const options =
        p.type === 'list'
          ? listOptions(catalog, p.list)
          : p.type === 'boolean'
            ? [
                { value: 'true', label: 'yes' },
                { value: 'false', label: 'no' },
              ]
            : [];
      return {
        name: fieldName(p.id),
        id: `property-${i}`,
        label: p.name,
        kind: p.type === 'list' || p.type === 'boolean' ? 'select' : 'text',
        options,
        value: formValue(p.type, values[p.id]),
        required: p.required === true,
      };
    });
}

/**
 * The typed values of the extension fields in a submitted form: a field left at "none" or empty
 * answers undefined (the property is not set, even if the template sets it); a field not in the
 * form is left out; a value that cannot be read as its type is kept as text for the API to refuse
 * with its message.
 */
export function readExtensionFields(
  catalog: PackCatalog,
  className: string,
  body: Record<string, string | undefined>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of catalog.properties.values()) {
    if (p.class !== className) continue;
    const sent = body[fieldName(p.id)];
    if (sent === undefined) continue;
    const raw = sent.trim();
    out[p.id] = raw === '' ? undefined : typed(p.type, raw);
  }
  return out;
}

function typed(type: string, raw: string): unknown {
  if (type === 'list') {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return raw;
    }
  }
  if (type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  if (type === 'integer' || type === 'decimal') {
    const n = Number(raw);
    return Number.isFinite(n) ? n : raw;
  }
  return raw;
}
