/**
 * The work item page (/console/work-items/IR42) and its actions: assign
 * (to a user, or to me), change status and priority, resolve with a
 * resolution, comment (public or a private note). Every read and change goes
 * through the API as the signed-in analyst (history, audit, notifications
 * and validation are the API's); a refusal is shown on the page with the
 * API's message and nothing changed. The facts, properties (with the packs'
 * class extensions), comments and history are a live region: live.js polls
 * /console/work-items/IR42/live and swaps it in when the item changed.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { activeCatalog } from '../../management-packs/pack-store.js';
import { ApiError } from '../../web/api-caller.js';
import type { ConsoleContext } from '../console-module.js';
import { describeChange, FieldWords } from './field-words.js';

type Form = Record<string, string>;
type Params = { Params: { ref: string } };

export const WORK_ITEM_REF = /^[A-Za-z]{1,8}[1-9][0-9]{0,14}$/;
export const STATUSES = ['active', 'pending', 'resolved', 'closed'];
export const RESOLUTIONS = [
  'Fixed by analyst',
  'Fixed by user',
  'Workaround given',
  'Cannot reproduce',
  'Duplicate',
  'Other',
];
const NOTICES: Record<string, string> = {
  assigned: 'Assigned.',
  saved: 'Status and priority saved.',
  resolved: 'Resolved.',
  commented: 'Comment added.',
  related: 'Configuration item related.',
  unrelated: 'Configuration item unrelated.',
};
const access = { console: 'analyst' as const };

export function workItemPages(app: FastifyInstance, ctx: ConsoleContext): void {
  const api = ctx.api;

  const liveData = async (request: FastifyRequest, item: WorkItem) => {
    const token = request.consoleUser.token;
    const [comments, history, related, catalog] = await Promise.all([
      api.call('GET', `/work-items/${item.id}/comments`, { token, query: { limit: '500' } }),
      api.call('GET', `/work-items/${item.id}/history`, { token, query: { limit: '500' } }),
      api.call('GET', `/work-items/${item.id}/config-items`, { token }),
      activeCatalog(ctx.server.db),
    ]);
    const words = new FieldWords(catalog);
    return {
      words,
      data: {
        item,
        priorityName: (p: unknown) => words.priorityName(p),
        properties: words.propertyRows(item.class, item.properties),
        related: related.items,
        comments: comments.items,
        history: history.items.map((h: { at: string; actor: string; change: Record<string, unknown> }) => ({
          ...h,
          text: describeChange(h.change),
        })),
      },
    };
  };

  const getItem = async (request: FastifyRequest, ref: string): Promise<WorkItem | undefined> => {
    if (!WORK_ITEM_REF.test(ref)) return undefined;
    return api.call('GET', `/work-items/${ref}`, { token: request.consoleUser.token });
  };

  const show = async (
    request: FastifyRequest,
    reply: FastifyReply,
    ref: string,
    extra: { notice?: string; problem?: string } = {},
    status = 200,
  ) => {
    const item = await getItem(request, ref);
    if (!item) return reply.callNotFound();
    const { words, data } = await liveData(request, item);
    const { html, etag } = reply.renderFragment('@workItemLive', data);
    return reply.page(
      '@workItem',
      {
        title: `${item.displayId} ${item.title}`,
        live: true,
        item,
        liveHtml: html,
        etag,
        statuses: STATUSES,
        priorities: words.priorities(),
        resolutions: RESOLUTIONS,
        ...extra,
      },
      status,
    );
  };

  app.get<Params & { Querystring: { done?: string } }>(
    '/work-items/:ref',
    { config: access },
    async (request, reply) =>
      show(request, reply, request.params.ref, { notice: NOTICES[request.query.done ?? ''] }),
  );

  app.get<Params>('/work-items/:ref/live', { config: access }, async (request, reply) => {
    const item = await getItem(request, request.params.ref);
    if (!item) return reply.callNotFound();
    return reply.fragment('@workItemLive', (await liveData(request, item)).data);
  });

  /** Runs a change through the API; a refusal (400, 409) shows the page again with the API's message. */
  const act = async (
    request: FastifyRequest<Params & { Body: Form }>,
    reply: FastifyReply,
    done: string,
    change: (item: WorkItem, token: string) => Promise<string | undefined>,
  ) => {
    const item = await getItem(request, request.params.ref);
    if (!item) return reply.callNotFound();
    try {
      const problem = await change(item, request.consoleUser.token);
      if (problem) return show(request, reply, item.displayId, { problem }, 400);
    } catch (e) {
      if (e instanceof ApiError && (e.status === 400 || e.status === 409)) {
        return show(request, reply, item.displayId, { problem: `${e.message} ${e.remedy}`.trim() }, e.status);
      }
      throw e;
    }
    return reply.redirect(`/console/work-items/${item.displayId}?done=${done}`, 303);
  };

  const patch = (item: WorkItem, token: string, body: Record<string, unknown>) =>
    api.call('PATCH', `/work-items/${item.id}`, { token, body });

  app.post<Params & { Body: Form }>('/work-items/:ref/assign', { config: access }, async (request, reply) =>
    act(request, reply, 'assigned', async (item, token) => {
      const to =
        request.body.me === '1' ? request.consoleUser.username : (request.body.assignedTo ?? '').trim();
      if (to.length > 255) return 'A user name has at most 255 characters.';
      await patch(item, token, { assignedTo: to || null });
      return undefined;
    }),
  );

  app.post<Params & { Body: Form }>('/work-items/:ref/status', { config: access }, async (request, reply) =>
    act(request, reply, 'saved', async (item, token) => {
      const { status = '', priority = '' } = request.body;
      if (!STATUSES.includes(status)) return 'Choose a status from the list.';
      if (priority !== '' && !/^[1-9]$/.test(priority)) return 'Choose a priority from the list.';
      await patch(item, token, { status, priority: priority === '' ? null : Number(priority) });
      return undefined;
    }),
  );

  app.post<Params & { Body: Form }>('/work-items/:ref/resolve', { config: access }, async (request, reply) =>
    act(request, reply, 'resolved', async (item, token) => {
      const category = request.body.category ?? '';
      const text = (request.body.resolution ?? '').trim();
      if (!RESOLUTIONS.includes(category)) return 'Choose a resolution category from the list.';
      if (!text || text.length > 9000) return 'Say how it was resolved, in up to 9,000 characters.';
      // The resolution is a public comment (the affected user reads it in the portal), then the status.
      await api.call('POST', `/work-items/${item.id}/comments`, {
        token,
        body: { body: `Resolution (${category}): ${text}` },
      });
      await patch(item, token, { status: 'resolved' });
      return undefined;
    }),
  );

  app.post<Params & { Body: Form }>(
    '/work-items/:ref/config-items',
    { config: access },
    async (request, reply) =>
      act(request, reply, 'related', async (item, token) => {
        const name = (request.body.name ?? '').trim();
        if (!name || name.length > 255) return 'Name the configuration item to relate.';
        const found = await ctx.server.db.query<{ id: number }>(
          'SELECT id FROM config_items WHERE lower(name) = lower($1) ORDER BY id LIMIT 2',
          [name],
        );
        if (found.rows.length === 0) return `No configuration item is named “${name}”.`;
        if (found.rows.length > 1)
          return `Several configuration items are named “${name}”: relate one from the search.`;
        await api.call('POST', `/work-items/${item.id}/config-items`, {
          token,
          body: { configItemId: Number(found.rows[0]!.id) },
        });
        return undefined;
      }),
  );

  app.post<{ Params: { ref: string; ci: string }; Body: Form }>(
    '/work-items/:ref/config-items/:ci/remove',
    { config: access },
    async (request, reply) =>
      act(request, reply, 'unrelated', async (item, token) => {
        if (!/^[1-9][0-9]{0,14}$/.test(request.params.ci)) return 'No such configuration item.';
        await api.call('DELETE', `/work-items/${item.id}/config-items/${request.params.ci}`, { token });
        return undefined;
      }),
  );

  app.post<Params & { Body: Form }>('/work-items/:ref/comments', { config: access }, async (request, reply) =>
    act(request, reply, 'commented', async (item, token) => {
      const body = (request.body.comment ?? '').trim();
      if (!body || body.length > 10_000) return 'Write a comment of up to 10,000 characters.';
      await api.call('POST', `/work-items/${item.id}/comments`, {
        token,
        body: { body, private: request.body.private === '1' },
      });
      return undefined;
    }),
  );
}

export interface WorkItem {
  id: number;
  displayId: string;
  class: string;
  title: string;
  description: string | null;
  priority: number | null;
  status: string;
  assignedTo: string | null;
  affectedUser: string | null;
  properties: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}
