/**
 * How fields and values read on the analyst pages: labels of built-in fields
 * and of pack extension properties, list items by name (priority 1 is
 * "Critical"), dates, and a history entry in words.
 */
import type { PackCatalog } from '../../management-packs/pack-catalog.js';
import { shortDate } from '../../web/eta-views.js';

const LABELS: Record<string, string> = {
  id: 'Id',
  displayId: 'Id',
  title: 'Title',
  description: 'Description',
  priority: 'Priority',
  status: 'Status',
  assignedTo: 'Assigned to',
  affectedUser: 'Affected user',
  createdAt: 'Opened',
  updatedAt: 'Updated',
  name: 'Name',
};

export class FieldWords {
  constructor(private readonly catalog: PackCatalog) {}

  label(field: string): string {
    return LABELS[field] ?? this.catalog.properties.get(field)?.name ?? field;
  }

  /** A list value's name (its item's name), else the value as text. */
  listName(list: string | undefined, value: unknown): string | undefined {
    const e = list ? this.catalog.enumerations.get(list) : undefined;
    if (!e) return undefined;
    for (const item of e.itemsById.values()) if ((item.value ?? item.id) === value) return item.name;
    return undefined;
  }

  priorityName(p: unknown): string {
    if (p === null || p === undefined) return 'none';
    const name = this.listName('smgr.workitems.priority', p);
    return name ? `${String(p)} ${name}` : String(p);
  }

  priorities(): Array<{ value: number; name: string }> {
    const e = this.catalog.enumerations.get('smgr.workitems.priority');
    return [...(e?.itemsById.values() ?? [])].map((i) => ({
      value: Number(i.value),
      name: `${i.value} ${i.name}`,
    }));
  }

  /** A value of a field of `className` as text. */
  show(className: string, field: string, value: unknown): string {
    if (value === null || value === undefined) return '';
    if (field === 'priority') return this.priorityName(value);
    if (field === 'createdAt' || field === 'updatedAt') return shortDate(String(value));
    const t = this.catalog.fieldOf(className, field, true);
    if (t?.type === 'list') return this.listName(t.list, value) ?? String(value);
    if (t?.type === 'datetime' && typeof value === 'string') return shortDate(value);
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  }

  /** The properties of an item as rows: label, value in words, where the property comes from. */
  propertyRows(className: string, properties: Record<string, unknown>) {
    return Object.entries(properties).map(([key, value]) => {
      const p = this.catalog.properties.get(key);
      return {
        label: p?.name ?? key,
        value: this.show(className, key, value),
        source: p ? `${p.packId} (class extension)` : 'set by smgr',
      };
    });
  }
}

/** A history entry in words, as an analyst reads it. */
export function describeChange(change: Record<string, unknown>): string {
  if (change.created) return 'opened it';
  if (change.commented) {
    return (change.commented as { private?: boolean }).private ? 'added a private note' : 'added a comment';
  }
  if (change.approvalRequested) {
    return `asked ${(change.approvalRequested as { approver?: string }).approver ?? 'someone'} for approval`;
  }
  if (change.related)
    return `related ${(change.related as { name?: string }).name ?? 'a configuration item'}`;
  if (change.unrelated) {
    return `unrelated ${(change.unrelated as { name?: string }).name ?? 'a configuration item'}`;
  }
  if (change.approval)
    return `answered an approval: ${(change.approval as { decision?: string }).decision ?? ''}`;
  if (change.changed && typeof change.changed === 'object') {
    const c = change.changed as Record<string, unknown>;
    return Object.keys(c)
      .map((k) => {
        const v = c[k];
        if (k === 'status') return `set the status to ${String(v)}`;
        if (k === 'assignedTo') return v ? `assigned it to ${String(v)}` : 'unassigned it';
        if (k === 'priority') return `set the priority to ${v === null ? 'none' : String(v)}`;
        return `changed the ${LABELS[k]?.toLowerCase() ?? k}`;
      })
      .join(', ');
  }
  return 'changed it';
}
