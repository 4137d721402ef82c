/**
 * Where the portal's catalog comes from: service offerings grouping request
 * offerings, each with its questions. The management packs' published
 * offerings, read through the API as the signed-in user
 * (pack-catalog-source.ts), or, when no pack publishes any, the built-in
 * catalog (built-in-catalog.ts) as a fallback.
 *
 * A pack's request offering is submitted to the API, which applies its
 * template and the answers. A built-in one becomes a service request: its
 * title is the offering's title, its description the questions and answers,
 * its properties `{ offering, answers }`.
 */

export type QuestionType = 'text' | 'long-text' | 'number' | 'choice' | 'date' | 'yes-no';

export interface Question {
  /** Field name in the form and in properties.answers. */
  id: string;
  label: string;
  type: QuestionType;
  required: boolean;
  /** For 'choice': the values answered. */
  choices?: readonly string[];
  /** For 'choice': what to show for each of `choices` (default: the value itself). */
  labels?: readonly string[];
  /** For 'text' and 'long-text' (characters), 'number' (value). */
  max?: number;
  min?: number;
  /** For 'number': a decimal is accepted (else whole numbers only). */
  decimal?: boolean;
  help?: string;
}

export interface RequestOffering {
  id: string;
  title: string;
  description: string;
  serviceOffering: string;
  /** Priority (1-4) of the service request, when the offering sets one. */
  priority?: number;
  questions: readonly Question[];
  /** Published by a management pack: submitted with POST /request-offerings/:id/requests. */
  fromPack?: boolean;
}

export interface ServiceOffering {
  id: string;
  title: string;
  description: string;
}

export interface Catalog {
  serviceOfferings: readonly ServiceOffering[];
  requestOfferings: readonly RequestOffering[];
}

export interface CatalogSource {
  /** The published catalog as this user may see it (token: their API token). */
  catalog(token: string): Promise<Catalog>;
}

/** Request offerings whose title, description or service offering contains every word of `q`. */
export function searchCatalog(catalog: Catalog, q: string): RequestOffering[] {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  const serviceTitle = new Map(catalog.serviceOfferings.map((s) => [s.id, s.title]));
  return catalog.requestOfferings.filter((o) => {
    const text = `${o.title} ${o.description} ${serviceTitle.get(o.serviceOffering) ?? ''}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}
