/**
 * /console/new: a new incident or service request, blank or from a
 * template of the imported packs (its values fill the form), with a field
 * for each class extension property of its class (extension-fields.ts: a
 * list property is a drop-down of its list's items). Created through the API as the analyst;
 * a refusal is shown on the form with the API's message, nothing created.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BUILT_IN_FIELDS, type PackCatalog } from '../../management-packs/pack-catalog.js';
import { activeCatalog } from '../../management-packs/pack-store.js';
import { ApiError } from '../../web/api-caller.js';
import type { ConsoleContext } from '../console-module.js';
import { extensionFields, readExtensionFields } from './extension-fields.js';
import { FieldWords } from './field-words.js';

type Form = Record<string, string>;
const access = { console: 'analyst' as const };

interface Choice {
  id: string;
  name: string;
  note: string;
  class: string;
  values: Record<string, unknown>;
}

function choices(catalog: PackCatalog): Choice[] {
  const blank = [
    { id: 'incident', name: 'New incident', note: 'A blank incident.', class: 'incident', values: {} },
    {
      id: 'service-request',
      name: 'New service request',
      note: 'A blank service request.',
      class: 'service-request',
      values: {},
    },
  ];
  const fromTemplates = [...catalog.templates.values()]
    .filter((t) => catalog.classes.get(t.class)?.kind === 'work-item')
    .map((t) => ({
      id: t.id,
      name: t.name,
      note: `A ${t.class} from template ${t.id} (${t.packId}).`,
      class: t.class,
      values: t.values,
    }));
  return [...blank, ...fromTemplates];
}

export function newWorkItemPages(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get('/new', { config: access }, async (_request, reply) =>
    reply.page('@newChoices', {
      title: 'New work item',
      choices: choices(await activeCatalog(ctx.server.db)),
    }),
  );

  const form = async (
    request: FastifyRequest<{ Params: { choice: string } }>,
    reply: FastifyReply,
    values: Record<string, string> | undefined,
    errors: Record<string, string> = {},
    problem?: string,
    submittedProperties: Record<string, unknown> = {},
  ) => {
    const catalog = await activeCatalog(ctx.server.db);
    const choice = choices(catalog).find((c) => c.id === request.params.choice);
    if (!choice) return reply.callNotFound();
    const words = new FieldWords(catalog);
    const builtIn = BUILT_IN_FIELDS['work-item'];
    const fromTemplate = (f: string) => {
      const v = choice.values[f];
      return v === undefined || v === null ? '' : String(v);
    };
    return reply.page(
      '@newForm',
      {
        title: choice.name,
        heading: choice.name,
        choice: choice.id,
        priorities: words.priorities(),
        values: values ?? {
          title: fromTemplate('title'),
          description: fromTemplate('description'),
          priority: fromTemplate('priority'),
          affectedUser: fromTemplate('affectedUser'),
          assignedTo: fromTemplate('assignedTo'),
        },
        templateProperties: Object.entries(choice.values)
          .filter(([k]) => !(k in builtIn))
          .map(([k, v]) => ({ label: words.label(k), value: words.show(choice.class, k, v) })),
        extensionFields: extensionFields(catalog, choice.class, { ...choice.values, ...submittedProperties }),
        errors,
        problem,
      },
      problem || Object.keys(errors).length > 0 ? 400 : 200,
    );
  };

  app.get<{ Params: { choice: string } }>('/new/:choice', { config: access }, async (request, reply) =>
    form(request, reply, undefined),
  );

  app.post<{ Params: { choice: string }; Body: Form }>(
    '/new/:choice',
    { config: access },
    async (request, reply) => {
      const catalog = await activeCatalog(ctx.server.db);
      const choice = choices(catalog).find((c) => c.id === request.params.choice);
      if (!choice) return reply.callNotFound();
      const b = request.body;
      const values = {
        title: (b.title ?? '').trim(),
        description: (b.description ?? '').trim(),
        priority: b.priority ?? '',
        affectedUser: (b.affectedUser ?? '').trim(),
        assignedTo: (b.assignedTo ?? '').trim(),
      };
      const submitted = readExtensionFields(catalog, choice.class, b);
      const errors: Record<string, string> = {};
      if (!values.title) errors.title = 'Give it a title.';
      else if (values.title.length > 500) errors.title = 'A title has at most 500 characters.';
      if (Object.keys(errors).length > 0)
        return form(request, reply, values, errors, 'Please correct the fields marked below.', submitted);
      if (values.priority !== '' && !/^[1-9]$/.test(values.priority))
        return form(request, reply, values, {}, 'Choose a priority from the list.', submitted);
      const builtIn = BUILT_IN_FIELDS['work-item'];
      const properties = Object.fromEntries(
        Object.entries({ ...choice.values, ...submitted }).filter(
          ([k, v]) => !(k in builtIn) && v !== undefined,
        ),
      );
      const fields = Object.fromEntries(Object.entries(choice.values).filter(([k]) => k in builtIn));
      let created: { displayId: string };
      try {
        created = await ctx.api.call('POST', '/work-items', {
          token: request.consoleUser.token,
          body: {
            ...fields,
            class: choice.class,
            title: values.title,
            description: values.description || null,
            priority: values.priority === '' ? null : Number(values.priority),
            affectedUser: values.affectedUser || null,
            assignedTo: values.assignedTo || null,
            ...(Object.keys(properties).length > 0 ? { properties } : {}),
          },
        });
      } catch (e) {
        if (e instanceof ApiError && (e.status === 400 || e.status === 409))
          return form(request, reply, values, {}, `${e.message} ${e.remedy}`.trim(), submitted);
        throw e;
      }
      return reply.redirect(`/console/work-items/${created.displayId}`, 303);
    },
  );
}
