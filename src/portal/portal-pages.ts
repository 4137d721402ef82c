/**
 * The portal's pages. Each is a few API calls as the signed-in user, then a
 * template. Nothing is stored here; a refusal of the management server is
 * shown on the page (its message), a 404 of another user's item is the 403
 * page (the same for a missing one, so ids tell nothing). Posted forms are
 * checked here first (offering-form.ts, field lengths) and again by the API.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { localPathUnder } from '../web/local-path.js';
import type { RequestOffering } from './catalog-source.js';
import { searchCatalog } from './catalog-source.js';
import { ApiError } from './management-server-client.js';
import { checkOfferingForm } from './offering-form.js';
import { submitOffering } from './offering-submission.js';
import { forbiddenPage, type PortalAppContext } from './portal-app.js';
import { anonymousSession } from './session-cookie.js';

type Form = Record<string, string>;
const WORK_ITEM_REF = /^[A-Za-z]{1,8}[1-9][0-9]{0,14}$/;
const PAGE_SIZE = '20';

interface SignedIn {
  token: string;
  username: string;
}

/** The signed-in user, or a redirect to the sign-in page (answers undefined then). */
function signedIn(request: FastifyRequest, reply: FastifyReply): SignedIn | undefined {
  const s = request.web.session;
  if (s.user && s.token) return { token: s.token, username: s.user.username };
  void reply.redirect(`/sign-in?next=${encodeURIComponent(request.url)}`, 303);
  return undefined;
}

/** Only paths of this portal: "/x", never "//host" or "http:". */
export const localPath = localPathUnder('/');

export const portalPages: FastifyPluginAsync<{ ctx: PortalAppContext }> = async (app, { ctx }) => {
  const api = ctx.client;

  app.get<{ Querystring: { next?: string } }>('/sign-in', async (request, reply) => {
    if (request.web.session.user) return reply.redirect(localPath(request.query.next), 303);
    return reply.page('@signIn', { title: 'Sign in', next: localPath(request.query.next), username: '' });
  });

  app.post<{ Body: Form }>('/sign-in', async (request, reply) => {
    const { username = '', password = '' } = request.body;
    const next = localPath(request.body.next);
    const again = (message: string, status: number) =>
      reply.page('@signIn', { title: 'Sign in', next, username, message }, status);
    if (!username || !password || username.length > 255 || password.length > 1024) {
      return again('Enter your user name and password.', 400);
    }
    let token: string;
    let expiresAt: string;
    try {
      ({ token, expiresAt } = await api.call('POST', '/sessions', {
        body: { username, password },
        forwardedFor: request.ip,
      }));
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return again('The user name or password is wrong.', 401);
      if (e instanceof ApiError && e.status === 429) {
        return again(
          `Too many failed sign-ins. Try again in ${e.retryAfter ?? 'a few'} seconds, or ask your IT department to reset your password.`,
          429,
        );
      }
      throw e;
    }
    const me = await api.call('GET', '/sessions/current', { token });
    request.web = {
      session: {
        csrf: randomBytes(24).toString('base64url'),
        expires: Date.parse(expiresAt),
        user: { username: me.user.username, role: me.user.role },
        token,
      },
      changed: true,
    };
    request.log.info({ user: me.user.username }, 'signed in');
    return reply.redirect(next, 303);
  });

  app.post('/sign-out', async (request, reply) => {
    const token = request.web.session.token;
    if (token) await api.call('DELETE', '/sessions/current', { token }).catch(() => {});
    request.web = { session: anonymousSession(), changed: true };
    return reply.redirect('/sign-in', 303);
  });

  app.get<{ Querystring: { q?: string } }>('/', async (request, reply) => {
    const me = signedIn(request, reply);
    if (!me) return reply;
    const catalog = await ctx.catalog.catalog(me.token);
    const q = (request.query.q ?? '').trim().slice(0, 200);
    const services = catalog.serviceOfferings
      .map((s) => ({ ...s, offerings: catalog.requestOfferings.filter((o) => o.serviceOffering === s.id) }))
      .filter((s) => s.offerings.length > 0);
    return reply.page('@home', {
      title: 'Catalog',
      nav: 'home',
      q,
      services,
      results: q ? searchCatalog(catalog, q) : [],
    });
  });

  const findOffering = async (token: string, id: string): Promise<RequestOffering | undefined> =>
    (await ctx.catalog.catalog(token)).requestOfferings.find((o) => o.id === id);

  app.get<{ Params: { id: string } }>('/offerings/:id', async (request, reply) => {
    const me = signedIn(request, reply);
    if (!me) return reply;
    const offering = await findOffering(me.token, request.params.id);
    if (!offering) return reply.callNotFound();
    return reply.page('@offering', { title: offering.title, nav: 'home', offering, errors: {}, values: {} });
  });

  app.post<{ Params: { id: string }; Body: Form }>('/offerings/:id', async (request, reply) => {
    const me = signedIn(request, reply);
    if (!me) return reply;
    const offering = await findOffering(me.token, request.params.id);
    if (!offering) return reply.callNotFound();
    const form = checkOfferingForm(offering, request.body);
    if (Object.keys(form.errors).length > 0) {
      return reply.page(
        '@offering',
        {
          title: offering.title,
          nav: 'home',
          offering,
          errors: form.errors,
          values: form.values,
          hasErrors: true,
        },
        400,
      );
    }
    const sent = await submitOffering(api, me.token, offering, form.answers);
    if ('errors' in sent) {
      return reply.page(
        '@offering',
        {
          title: offering.title,
          nav: 'home',
          offering,
          errors: sent.errors,
          values: form.values,
          hasErrors: true,
        },
        400,
      );
    }
    return reply.redirect(`/requests/${sent.displayId}`, 303);
  });

  app.get('/help', async (request, reply) => {
    const me = signedIn(request, reply);
    if (!me) return reply;
    return reply.page('@help', {
      title: 'Ask for help',
      nav: 'help',
      errors: {},
      values: { title: '', description: '' },
    });
  });

  app.post<{ Body: Form }>('/help', async (request, reply) => {
    const me = signedIn(request, reply);
    if (!me) return reply;
    const title = (request.body.title ?? '').trim();
    const description = (request.body.description ?? '').trim();
    const errors: Record<string, string> = {};
    if (!title) errors.title = 'Say in a few words what the problem is.';
    else if (title.length > 500)
      errors.title = 'Keep the problem to 500 characters; put the rest in the details.';
    if (description.length > 10_000) errors.description = 'The details are longer than 10,000 characters.';
    if (Object.keys(errors).length > 0) {
      return reply.page(
        '@help',
        { title: 'Ask for help', nav: 'help', errors, values: { title, description }, hasErrors: true },
        400,
      );
    }
    const created = await api.call('POST', '/work-items', {
      token: me.token,
      body: { class: 'incident', title, description: description || null },
    });
    return reply.redirect(`/requests/${created.displayId}`, 303);
  });

  app.get<{ Querystring: { cursor?: string } }>('/requests', async (request, reply) => {
    const me = signedIn(request, reply);
    if (!me) return reply;
    const cursor = request.query.cursor;
    if (cursor !== undefined && !/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return reply.callNotFound();
    let page: { items: unknown[]; nextCursor: string | null };
    try {
      page = await api.call('GET', '/work-items', {
        token: me.token,
        query: { order: 'newest', limit: PAGE_SIZE, cursor },
      });
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) return reply.callNotFound();
      throw e;
    }
    return reply.page('@requests', {
      title: 'My requests',
      nav: 'requests',
      items: page.items,
      next: page.nextCursor,
      first: cursor !== undefined,
    });
  });

  /** A work item of the user, or the 403 page (another user's and a missing one look the same). */
  const ownItem = async (token: string, ref: string) => {
    if (!WORK_ITEM_REF.test(ref)) return undefined;
    try {
      return await api.call('GET', `/work-items/${ref}`, { token });
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || e.status === 403)) return undefined;
      throw e;
    }
  };

  const showRequest = async (reply: FastifyReply, me: SignedIn, ref: string, commentError?: string) => {
    const item = await ownItem(me.token, ref);
    if (!item) return forbiddenPage(reply);
    const [comments, history] = await Promise.all([
      api.call('GET', `/work-items/${item.id}/comments`, { token: me.token, query: { limit: '500' } }),
      api.call('GET', `/work-items/${item.id}/history`, { token: me.token, query: { limit: '500' } }),
    ]);
    return reply.page(
      '@request',
      {
        title: `${item.displayId} ${item.title}`,
        nav: 'requests',
        item,
        comments: comments.items,
        history: history.items.map((h: { at: string; actor: string; change: Record<string, unknown> }) => ({
          ...h,
          text: describeChange(h.change),
        })),
        commentError,
      },
      commentError ? 400 : 200,
    );
  };

  app.get<{ Params: { id: string } }>('/requests/:id', async (request, reply) => {
    const me = signedIn(request, reply);
    if (!me) return reply;
    return showRequest(reply, me, request.params.id);
  });

  app.post<{ Params: { id: string }; Body: Form }>('/requests/:id/comments', async (request, reply) => {
    const me = signedIn(request, reply);
    if (!me) return reply;
    const body = (request.body.comment ?? '').trim();
    if (!body || body.length > 10_000) {
      return showRequest(reply, me, request.params.id, 'Write a comment of up to 10,000 characters.');
    }
    const item = await ownItem(me.token, request.params.id);
    if (!item) return forbiddenPage(reply);
    await api.call('POST', `/work-items/${item.id}/comments`, { token: me.token, body: { body } });
    return reply.redirect(`/requests/${item.displayId}#comment`, 303);
  });

  app.get<{ Querystring: { done?: string } }>('/approvals', async (request, reply) => {
    const me = signedIn(request, reply);
    if (!me) return reply;
    const [pending, all] = await Promise.all([
      api.call('GET', '/approvals', { token: me.token, query: { status: 'pending', limit: '100' } }),
      api.call('GET', '/approvals', { token: me.token, query: { limit: '100' } }),
    ]);
    const done = request.query.done;
    return reply.page('@approvals', {
      title: 'My approvals',
      nav: 'approvals',
      pending: pending.items,
      decided: all.items.filter((a: { status: string }) => a.status !== 'pending').reverse(),
      message: done === 'approved' ? 'Approved.' : done === 'rejected' ? 'Rejected.' : undefined,
    });
  });

  app.post<{ Params: { id: string }; Body: Form }>('/approvals/:id', async (request, reply) => {
    const me = signedIn(request, reply);
    if (!me) return reply;
    const { decision, comment = '' } = request.body;
    if (
      !/^[1-9][0-9]{0,14}$/.test(request.params.id) ||
      (decision !== 'approved' && decision !== 'rejected')
    ) {
      return reply.callNotFound();
    }
    try {
      await api.call('POST', `/approvals/${request.params.id}/decision`, {
        token: me.token,
        body: { decision, ...(comment.trim() ? { comment: comment.trim().slice(0, 4000) } : {}) },
      });
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return forbiddenPage(reply);
      if (e instanceof ApiError && e.status === 409) {
        return reply.page(
          '@error',
          { title: 'Already answered', heading: 'Already answered', message: e.message },
          409,
        );
      }
      throw e;
    }
    return reply.redirect(`/approvals?done=${decision}`, 303);
  });
};

const FIELD_WORDS: Record<string, string> = {
  assignedTo: 'assignee',
  affectedUser: 'affected user',
  properties: 'answers',
};

/** A history entry in words. */
export function describeChange(change: Record<string, unknown>): string {
  if (change.created) return 'opened the request';
  if (change.commented) return 'added a comment';
  if (change.approvalRequested) {
    return `asked ${(change.approvalRequested as { approver?: string }).approver ?? 'someone'} for approval`;
  }
  if (change.approval)
    return `answered an approval: ${(change.approval as { decision?: string }).decision ?? ''}`;
  if (change.changed && typeof change.changed === 'object') {
    const c = change.changed as Record<string, unknown>;
    return Object.keys(c)
      .map((k) =>
        k === 'status' ? `changed the status to ${String(c.status)}` : `changed the ${FIELD_WORDS[k] ?? k}`,
      )
      .join(', ');
  }
  return 'changed the request';
}
