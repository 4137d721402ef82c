/**
 * Submitting a checked request offering form as the signed-in user. A
 * management pack's offering goes to POST /request-offerings/:id/requests
 * (the API applies the offering's template and maps the answers, and checks
 * them again); a built-in one (fallback catalog) is a service request made
 * with POST /work-items. A 400 of the API naming a question becomes that
 * question's error on the form; any other refusal is thrown as it came.
 */
import type { RequestOffering } from './catalog-source.js';
import { ApiError, type ManagementServerClient } from './management-server-client.js';
import { type Answer, describeAnswers } from './offering-form.js';

export type Submission = { displayId: string } | { errors: Record<string, string> };

/** The answers as the API takes them: a date as the start of that day (UTC). */
function apiAnswers(offering: RequestOffering, answers: Record<string, Answer>): Record<string, Answer> {
  const out: Record<string, Answer> = {};
  for (const q of offering.questions) {
    const a = answers[q.id];
    if (a === undefined) continue;
    out[q.id] = q.type === 'date' ? `${a}T00:00:00Z` : a;
  }
  return out;
}

export async function submitOffering(
  api: ManagementServerClient,
  token: string,
  offering: RequestOffering,
  answers: Record<string, Answer>,
): Promise<Submission> {
  if (!offering.fromPack) {
    const created = await api.call('POST', '/work-items', {
      token,
      body: {
        class: 'service-request',
        title: offering.title,
        description: describeAnswers(offering, answers) || null,
        properties: { offering: offering.id, answers },
      },
    });
    return { displayId: created.displayId };
  }
  try {
    const created = await api.call('POST', `/request-offerings/${encodeURIComponent(offering.id)}/requests`, {
      token,
      body: { answers: apiAnswers(offering, answers) },
    });
    return { displayId: created.displayId };
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 400) throw e;
    const q = offering.questions.find((x) => e.message.includes(`body/answers/${x.id} `));
    if (!q) return { errors: { '': e.message } };
    // "The request is not valid: body/answers/<id> ("<prompt>"): <problem>." → "<label>: <problem>."
    const problem = e.message.slice(e.message.indexOf('"): ') + 4) || e.message;
    return { errors: { [q.id]: `${q.label}: ${problem}` } };
  }
}
