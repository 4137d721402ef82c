/**
 * The portal's catalog from the management packs, read through the API as
 * the signed-in user: GET /api/v1/service-offerings and
 * GET /api/v1/request-offerings. Each pack question becomes a form question
 * (string → text, or long text above 500 characters; integer, decimal → number;
 * boolean → yes/no; datetime → date; list → a choice among the list's
 * items, answered by item value, shown by title). A request offering of a
 * pack is submitted with POST /api/v1/request-offerings/:id/requests
 * (portal-pages.ts). When no pack publishes any request offering, the
 * fallback (the built-in catalog) is answered instead. Reads only.
 */
import type { Catalog, CatalogSource, Question, RequestOffering } from './catalog-source.js';
import type { ManagementServerClient } from './management-server-client.js';

interface ApiQuestion {
  id: string;
  prompt: string;
  description?: string;
  type: 'string' | 'integer' | 'decimal' | 'boolean' | 'datetime' | 'list';
  required?: boolean;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: { id: string; value: string | number; title: string }[];
}

interface ApiRequestOffering {
  id: string;
  title: string;
  description: string | null;
  category: string;
  serviceOffering: string | null;
  questions: ApiQuestion[];
}

interface ApiServiceOffering {
  id: string;
  title: string;
  description: string | null;
  category: string;
}

const LONG_TEXT_FROM = 500;

export function formQuestion(q: ApiQuestion): Question {
  const base = { id: q.id, label: q.prompt, required: q.required ?? false, help: q.description };
  switch (q.type) {
    case 'string':
      return { ...base, type: (q.maxLength ?? 0) > LONG_TEXT_FROM ? 'long-text' : 'text', max: q.maxLength };
    case 'integer':
    case 'decimal':
      return { ...base, type: 'number', min: q.minimum, max: q.maximum, decimal: q.type === 'decimal' };
    case 'boolean':
      return { ...base, type: 'yes-no' };
    case 'datetime':
      return { ...base, type: 'date' };
    case 'list':
      return {
        ...base,
        type: 'choice',
        choices: (q.items ?? []).map((i) => String(i.value)),
        labels: (q.items ?? []).map((i) => i.title),
      };
  }
}

/** Request offerings without a service offering are grouped under one per category. */
export function packCatalog(services: ApiServiceOffering[], offerings: ApiRequestOffering[]): Catalog {
  const serviceOfferings = services.map((s) => ({
    id: s.id,
    title: s.title,
    description: s.description ?? '',
  }));
  const known = new Set(serviceOfferings.map((s) => s.id));
  const requestOfferings: RequestOffering[] = offerings.map((o) => {
    let serviceOffering = o.serviceOffering ?? '';
    if (!known.has(serviceOffering)) {
      serviceOffering = `category-${o.category.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
      if (!known.has(serviceOffering)) {
        known.add(serviceOffering);
        serviceOfferings.push({ id: serviceOffering, title: o.category, description: '' });
      }
    }
    return {
      id: o.id,
      title: o.title,
      description: o.description ?? '',
      serviceOffering,
      fromPack: true,
      questions: o.questions.map(formQuestion),
    };
  });
  return { serviceOfferings, requestOfferings };
}

export function packCatalogSource(client: ManagementServerClient, fallback: CatalogSource): CatalogSource {
  return {
    async catalog(token) {
      const [services, offerings] = await Promise.all([
        client.call<{ items: ApiServiceOffering[] }>('GET', '/service-offerings', { token }),
        client.call<{ items: ApiRequestOffering[] }>('GET', '/request-offerings', { token }),
      ]);
      if (offerings.items.length === 0) return fallback.catalog(token);
      return packCatalog(services.items, offerings.items);
    },
  };
}
