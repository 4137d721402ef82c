/**
 * The rules of docs/MANAGEMENT-PACKS.md §4 that the JSON Schema cannot say,
 * checked after it: ids namespaced by the pack id and unique, the keys each
 * value type takes, what contents name (classes, lists, templates, fields)
 * exists here or in a referenced pack, defaults and template values valid,
 * references satisfied. Every problem is returned, each with its JSON path;
 * pure, no I/O.
 */
import { type FieldType, PackCatalog, valueProblem } from './pack-catalog.js';
import type { Pack, PackCriterion, PackProperty, PackQuestion } from './pack-schema.js';
import { compareVersions } from './pack-version.js';

export const BUILT_IN_PREFIX = 'smgr.';

type Typed = Pick<PackProperty, 'type' | 'maxLength' | 'minimum' | 'maximum' | 'list'>;

/** Every problem of `pack` given the other imported packs (`others`), as "path: words". */
export function packProblems(pack: Pack, others: PackCatalog): string[] {
  const out: string[] = [];
  const all = new PackCatalog([...[...others.packs.values()].filter((p) => p.id !== pack.id), pack]);
  const referenced = new Set((pack.references ?? []).map((r) => r.id));
  const usable = (ownerPack: string | undefined, path: string, what: string, id: string) => {
    if (ownerPack === undefined) out.push(`${path}: no ${what} ${id}`);
    else if (ownerPack !== pack.id && !referenced.has(ownerPack))
      out.push(`${path}: ${what} ${id} is in pack ${ownerPack}, which this pack does not reference`);
  };

  checkIds(pack, out);
  checkReferences(pack, others, out);
  if (pack.classes && !pack.id.startsWith(BUILT_IN_PREFIX))
    out.push('/classes: only built-in packs (smgr.*) define classes');

  const checkTyped = (t: Typed, path: string) => {
    typedKeyProblems(t, path, out);
    if (t.type === 'list' && t.list)
      usable(all.enumerations.get(t.list)?.packId, `${path}/list`, 'list', t.list);
  };

  (pack.classExtensions ?? []).forEach((x, i) => {
    const at = `/classExtensions/${i}`;
    if (!all.classes.has(x.class)) out.push(`${at}/class: no class ${x.class}`);
    x.properties.forEach((p, j) => {
      const pat = `${at}/properties/${j}`;
      checkTyped(p, pat);
      if (p.default !== undefined && (p.type !== 'list' || all.enumerations.has(p.list ?? ''))) {
        const why = valueProblem(p, p.default, all);
        if (why) out.push(`${pat}/default: ${why}`);
      }
    });
  });

  (pack.templates ?? []).forEach((t, i) => {
    const at = `/templates/${i}`;
    if (!all.classes.has(t.class)) {
      out.push(`${at}/class: no class ${t.class}`);
      return;
    }
    for (const [field, value] of Object.entries(t.values)) {
      const f = all.fieldOf(t.class, field);
      if (!f) out.push(`${at}/values/${field}: class ${t.class} has no field ${field}`);
      else {
        const why = valueProblem(f, value, all);
        if (why) out.push(`${at}/values/${field}: ${why}`);
      }
    }
  });

  (pack.requestOfferings ?? []).forEach((r, i) => {
    const at = `/requestOfferings/${i}`;
    const template = all.templates.get(r.template);
    usable(template?.packId, `${at}/template`, 'template', r.template);
    if (r.serviceOffering && !all.serviceOfferings.has(r.serviceOffering))
      out.push(`${at}/serviceOffering: no service offering ${r.serviceOffering}`);
    const cls = template ? all.classes.get(template.class) : undefined;
    if (template && cls?.kind !== 'work-item')
      out.push(`${at}/template: template ${r.template} is not for a work item class`);
    r.questions.forEach((q, j) => {
      const qat = `${at}/questions/${j}`;
      checkTyped(q, qat);
      if (cls) checkMapsTo(q, template!.class, all, `${qat}/mapsTo`, out);
    });
  });

  (pack.notificationSubscriptions ?? []).forEach((s, i) => {
    const at = `/notificationSubscriptions/${i}`;
    if (!all.classes.has(s.class)) {
      out.push(`${at}/class: no class ${s.class}`);
      return;
    }
    checkCriteria(s.criteria, s.class, all, `${at}/criteria`, out);
    s.recipients.forEach((r, j) => {
      if ((r.kind === 'user') !== (r.user !== undefined))
        out.push(`${at}/recipients/${j}: ${r.kind === 'user' ? 'needs user' : 'user only with kind "user"'}`);
    });
  });

  (pack.views ?? []).forEach((v, i) => {
    const at = `/views/${i}`;
    if (!all.classes.has(v.class)) {
      out.push(`${at}/class: no class ${v.class}`);
      return;
    }
    checkCriteria(v.criteria, v.class, all, `${at}/criteria`, out);
    v.columns.forEach((c, j) => {
      if (!all.fieldOf(v.class, c, true)) out.push(`${at}/columns/${j}: class ${v.class} has no field ${c}`);
    });
    v.sort.forEach((s, j) => {
      if (!all.fieldOf(v.class, s.field, true))
        out.push(`${at}/sort/${j}/field: class ${v.class} has no field ${s.field}`);
    });
  });
  checkForeignFields(pack, all, referenced, out);
  return out;
}

/** An extension property of another pack used here (a field of a template, question, view or criterion): that pack must be referenced. */
function checkForeignFields(pack: Pack, all: PackCatalog, referenced: Set<string>, out: string[]): void {
  const uses: Array<[string, string]> = [];
  pack.templates?.forEach((t, i) => {
    for (const f of Object.keys(t.values)) uses.push([f, `/templates/${i}/values/${f}`]);
  });
  pack.requestOfferings?.forEach((r, i) => {
    r.questions.forEach((q, j) => {
      uses.push([q.mapsTo, `/requestOfferings/${i}/questions/${j}/mapsTo`]);
    });
  });
  for (const kind of ['views', 'notificationSubscriptions'] as const) {
    pack[kind]?.forEach((v, i) => {
      v.criteria.forEach((c, j) => {
        uses.push([c.field, `/${kind}/${i}/criteria/${j}/field`]);
      });
    });
  }
  pack.views?.forEach((v, i) => {
    v.columns.forEach((c, j) => {
      uses.push([c, `/views/${i}/columns/${j}`]);
    });
    v.sort.forEach((s, j) => {
      uses.push([s.field, `/views/${i}/sort/${j}/field`]);
    });
  });
  for (const [field, path] of uses) {
    const owner = all.properties.get(field)?.packId;
    if (owner && owner !== pack.id && !referenced.has(owner))
      out.push(`${path}: property ${field} is in pack ${owner}, which this pack does not reference`);
  }
}

function typedKeyProblems(t: Typed, path: string, out: string[]): void {
  const allowed: Record<string, readonly string[]> = {
    string: ['maxLength'],
    integer: ['minimum', 'maximum'],
    decimal: ['minimum', 'maximum'],
    boolean: [],
    datetime: [],
    list: ['list'],
  };
  for (const key of ['maxLength', 'minimum', 'maximum', 'list'] as const) {
    if (t[key] !== undefined && !allowed[t.type]!.includes(key))
      out.push(`${path}/${key}: not a key of type ${t.type}`);
  }
  if (t.type === 'string' && t.maxLength === undefined) out.push(`${path}/maxLength: missing (type string)`);
  if (t.type === 'list' && t.list === undefined) out.push(`${path}/list: missing (type list)`);
  if (t.type === 'integer') {
    for (const key of ['minimum', 'maximum'] as const)
      if (t[key] !== undefined && !Number.isSafeInteger(t[key]))
        out.push(`${path}/${key}: must be an integer`);
  }
  if (t.minimum !== undefined && t.maximum !== undefined && t.minimum > t.maximum)
    out.push(`${path}/minimum: greater than maximum`);
}

function checkMapsTo(
  q: PackQuestion,
  className: string,
  all: PackCatalog,
  path: string,
  out: string[],
): void {
  const f: FieldType | undefined =
    q.mapsTo === 'title' || q.mapsTo === 'description' || q.mapsTo.includes('.')
      ? all.fieldOf(className, q.mapsTo)
      : undefined;
  if (!f) {
    out.push(`${path}: class ${className} has no field ${q.mapsTo} an answer can go into`);
    return;
  }
  if (f.type !== q.type || (f.type === 'list' && f.list !== q.list))
    out.push(
      `${path}: field ${q.mapsTo} is of type ${f.type}${f.list ? ` (${f.list})` : ''}, the question ${q.type}`,
    );
}

function checkCriteria(
  criteria: PackCriterion[],
  className: string,
  all: PackCatalog,
  path: string,
  out: string[],
): void {
  criteria.forEach((c, i) => {
    const at = `${path}/${i}`;
    const f = all.fieldOf(className, c.field, true);
    if (!f) {
      out.push(`${at}/field: class ${className} has no field ${c.field}`);
      return;
    }
    const noValue = c.operator === 'is-null' || c.operator === 'is-not-null';
    if (noValue !== (c.value === undefined)) {
      out.push(`${at}/value: ${noValue ? `not taken by ${c.operator}` : 'missing'}`);
      return;
    }
    if (noValue) return;
    const values = c.operator === 'in' ? c.value : [c.value];
    if (!Array.isArray(values) || values.length === 0) {
      out.push(`${at}/value: must be a non-empty array for "in"`);
      return;
    }
    values.forEach((v, j) => {
      const why = valueProblem({ ...f, nullable: false }, v, all);
      if (why) out.push(`${at}/value${c.operator === 'in' ? `/${j}` : ''}: ${why}`);
    });
  });
}

/** §3: every id namespaced by the pack id, and unique within the pack. */
function checkIds(pack: Pack, out: string[]): void {
  const seen = new Map<string, string>();
  const see = (id: string, path: string) => {
    if (!id.startsWith(`${pack.id}.`))
      out.push(`${path}: ${id} is not namespaced by the pack id (${pack.id}.)`);
    const first = seen.get(id);
    if (first) out.push(`${path}: ${id} is already the id of ${first}`);
    else seen.set(id, path);
  };
  const walk = (items: { id: string; items?: unknown[] }[] | undefined, path: string) =>
    items?.forEach((it, i) => {
      see(it.id, `${path}/${i}/id`);
      walk(it.items as typeof items, `${path}/${i}/items`);
    });
  pack.classes?.forEach((c, i) => {
    see(c.id, `/classes/${i}/id`);
  });
  pack.classExtensions?.forEach((x, i) => {
    see(x.id, `/classExtensions/${i}/id`);
    x.properties.forEach((p, j) => {
      see(p.id, `/classExtensions/${i}/properties/${j}/id`);
    });
  });
  pack.enumerations?.forEach((e, i) => {
    see(e.id, `/enumerations/${i}/id`);
    walk(e.items, `/enumerations/${i}/items`);
  });
  for (const kind of ['templates', 'serviceOfferings', 'notificationSubscriptions', 'views'] as const) {
    pack[kind]?.forEach((t, i) => {
      see(t.id, `/${kind}/${i}/id`);
    });
  }
  pack.requestOfferings?.forEach((r, i) => {
    see(r.id, `/requestOfferings/${i}/id`);
    r.questions.forEach((q, j) => {
      see(q.id, `/requestOfferings/${i}/questions/${j}/id`);
    });
  });
}

function checkReferences(pack: Pack, others: PackCatalog, out: string[]): void {
  const seen = new Set<string>();
  pack.references?.forEach((r, i) => {
    const at = `/references/${i}`;
    if (r.id === pack.id) {
      out.push(`${at}/id: a pack cannot reference itself`);
      return;
    }
    if (seen.has(r.id)) {
      out.push(`${at}/id: ${r.id} is referenced twice`);
      return;
    }
    seen.add(r.id);
    const found = others.packs.get(r.id);
    if (!found) out.push(`${at}/id: no imported pack ${r.id}`);
    else if (compareVersions(found.version, r.minVersion) < 0)
      out.push(`${at}/minVersion: pack ${r.id} is version ${found.version}, older than ${r.minVersion}`);
  });
}
