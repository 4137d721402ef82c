/**
 * Submitting a published request offering (docs/MANAGEMENT-PACKS.md §2.5):
 * the work item its template describes, with the answers put into the
 * fields their questions map to. Every answer is checked against its
 * question (required, type, length, range, list item) and unknown answers
 * are refused; the first problem is a VALIDATION error naming the question
 * (its id and prompt). Pure: builds the work item, writes nothing.
 */
import { SmgrError } from '../errors/smgr-error.js';
import { BUILT_IN_FIELDS, type PackCatalog, valueProblem } from './pack-catalog.js';
import type { PackRequestOffering, PackTemplate } from './pack-schema.js';

export interface OfferingWorkItem {
  class: string;
  title: string;
  description?: string | null;
  priority?: number | null;
  status?: string;
  assignedTo?: string | null;
  properties: Record<string, unknown>;
}

const invalid = (detail: string) => new SmgrError('VALIDATION', { detail });

/** The published request offering `id` of the imported packs and its template, if there is one. */
export function publishedOffering(
  catalog: PackCatalog,
  id: string,
): { offering: PackRequestOffering; template: PackTemplate } | undefined {
  for (const p of catalog.packs.values()) {
    const offering = (p.requestOfferings ?? []).find((r) => r.id === id && r.status === 'published');
    const template = offering ? catalog.templates.get(offering.template) : undefined;
    if (offering && template) return { offering, template };
  }
  return undefined;
}

/** The work item a submission creates (affected user not set: the caller's route sets it). */
export function offeringWorkItem(
  catalog: PackCatalog,
  offering: PackRequestOffering,
  template: PackTemplate,
  answers: Record<string, unknown>,
): OfferingWorkItem {
  const questions = new Map(offering.questions.map((q) => [q.id, q]));
  for (const key of Object.keys(answers))
    if (!questions.has(key))
      throw invalid(`body/answers/${key}: request offering ${offering.id} has no question ${key}`);
  const builtIn = BUILT_IN_FIELDS['work-item'];
  const fields: Record<string, unknown> = {};
  const properties: Record<string, unknown> = { requestOffering: offering.id };
  const put = (field: string, value: unknown) => {
    if (field in builtIn) fields[field] = value;
    else properties[field] = value;
  };
  for (const [field, value] of Object.entries(template.values)) put(field, value);
  for (const q of offering.questions) {
    let value = answers[q.id];
    if (typeof value === 'string' && value.trim() === '') value = undefined;
    const named = `body/answers/${q.id} ("${q.prompt}")`;
    if (value === undefined || value === null) {
      if (q.required) throw invalid(`${named}: is required`);
      continue;
    }
    // A list item whose value is an integer (built-in lists) may be answered in its text form, as forms send it.
    if (q.type === 'list' && typeof value === 'string' && /^-?[0-9]{1,15}$/.test(value)) {
      const n = Number(value);
      if (q.list && catalog.enumerations.get(q.list)?.accepted.has(n)) value = n;
    }
    const problem = valueProblem(q, value, catalog);
    if (problem) throw invalid(`${named}: ${problem}`);
    put(q.mapsTo, value);
  }
  if (typeof fields.title !== 'string' || fields.title === '') fields.title = offering.title;
  return {
    ...(fields as Partial<OfferingWorkItem>),
    class: template.class,
    title: fields.title as string,
    properties,
  };
}
