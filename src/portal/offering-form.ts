/**
 * A request offering's form, checked on the server: every question's answer
 * is read from the posted form, trimmed, and checked against the question
 * (required, length, number range, one of the choices, a real date, yes/no).
 * Answers the typed answers, or an error message per question for the form
 * to show beside its field. Nothing else of the post is read.
 */
import type { Question, RequestOffering } from './catalog-source.js';

export type Answer = string | number | boolean;

export interface FormCheck {
  answers: Record<string, Answer>;
  errors: Record<string, string>;
  /** The values as posted (trimmed), to show the form again. */
  values: Record<string, string>;
}

const DEFAULT_MAX = 500;

export function checkOfferingForm(offering: RequestOffering, body: Record<string, string>): FormCheck {
  const out: FormCheck = { answers: {}, errors: {}, values: {} };
  for (const q of offering.questions) {
    const raw = (body[`q_${q.id}`] ?? '').trim();
    out.values[q.id] = raw;
    if (raw === '') {
      if (q.required) out.errors[q.id] = `${q.label} is required.`;
      continue;
    }
    const checked = checkAnswer(q, raw);
    if (typeof checked === 'object') out.errors[q.id] = checked.error;
    else out.answers[q.id] = checked;
  }
  return out;
}

function checkAnswer(q: Question, raw: string): Answer | { error: string } {
  switch (q.type) {
    case 'text':
    case 'long-text': {
      const max = q.max ?? (q.type === 'text' ? DEFAULT_MAX : 4000);
      return raw.length > max ? { error: `${q.label} is longer than ${max} characters.` } : raw;
    }
    case 'number': {
      const n = Number(raw);
      if (q.decimal) {
        if (!/^-?[0-9]{1,15}(\.[0-9]{1,15})?$/.test(raw)) return { error: `${q.label} must be a number.` };
      } else if (!/^-?[0-9]+$/.test(raw) || !Number.isSafeInteger(n))
        return { error: `${q.label} must be a whole number.` };
      if (q.min !== undefined && n < q.min) return { error: `${q.label} must be at least ${q.min}.` };
      if (q.max !== undefined && n > q.max) return { error: `${q.label} must be at most ${q.max}.` };
      return n;
    }
    case 'choice':
      return q.choices?.includes(raw) ? raw : { error: `Choose one of the options for ${q.label}.` };
    case 'date': {
      const d = new Date(`${raw}T00:00:00Z`);
      const ok =
        /^\d{4}-\d{2}-\d{2}$/.test(raw) && !Number.isNaN(d.getTime()) && d.toISOString().startsWith(raw);
      return ok ? raw : { error: `${q.label} must be a date (YYYY-MM-DD).` };
    }
    case 'yes-no':
      return raw === 'yes' ? true : raw === 'no' ? false : { error: `Answer yes or no for ${q.label}.` };
  }
}

/** The service request's description: each question and its answer, one per line. */
export function describeAnswers(offering: RequestOffering, answers: Record<string, Answer>): string {
  return offering.questions
    .filter((q) => answers[q.id] !== undefined)
    .map((q) => {
      const a = answers[q.id];
      return `${q.label}: ${typeof a === 'boolean' ? (a ? 'yes' : 'no') : String(a)}`;
    })
    .join('\n');
}
