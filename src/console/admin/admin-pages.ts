/**
 * The administrator pages (issue 14 item 2), as a table of routes under
 * /console/admin whose handlers answer PageResults (page-result.ts); the
 * console module serves them to administrators only (everyone else gets
 * the 403 page) and checks every POST's CSRF token before a handler runs.
 *
 * Users, Run As accounts and management packs are read and changed through
 * the HTTP API in process, as the signed-in administrator (its roles,
 * schemas, rules and audit apply); the servers of the group and promote,
 * which the API does not offer, through the domain (group-servers.ts,
 * src/management-group/promote.ts: fenced, audited under the
 * administrator's name). Each change is one transaction; a refusal changes
 * nothing and shows the registry's message and remedy on the page it came
 * from (with its HTTP status), keeping what was typed except passwords. After a
 * change the browser is redirected (Post/Redirect/Get) to the list, which
 * says what was done. A Run As password is never rendered, not even as its
 * length; a promote needs its confirmation page, whose fencing token must
 * still be current when confirmed.
 */
import type { Database } from '../../db/database.js';
import { isSmgrError, SmgrError } from '../../errors/smgr-error.js';
import type { LeaseSettings } from '../../management-group/lease-settings.js';
import { promote } from '../../management-group/promote.js';
import { readLease } from '../../management-group/workflow-lease.js';
import { parsePackText } from '../../management-packs/check-pack.js';
import { CONTENT_KINDS, type PackSummary } from '../../management-packs/pack-summary.js';
import type { RoleDefinition } from '../../management-server/roles.js';
import type { RunAsAccount } from '../../management-server/run-as-account-store.js';
import type { User } from '../../management-server/user-store.js';
import { MIN_PASSWORD_LENGTH } from '../../schema/validate-names.js';
import { type ApiCaller, ApiError } from '../../web/api-caller.js';
import { assignableRoles } from './console-roles.js';
import { groupServers } from './group-servers.js';
import type { UploadedFile } from './multipart-form.js';
import { field, type PageInput, type PageResult, type PageRoute, page, redirect } from './page-result.js';

export interface AdminPagesContext {
  db: Database;
  /** The HTTP API in process (console-module.ts). */
  api: ApiCaller;
  /** The lease timing of this server (promote waits this long for fenced writes in flight). */
  leaseSettings: Pick<LeaseSettings, 'leaseMs' | 'lockTimeoutMs'>;
  /** Tells this server's lease keeper to look at the lease now (after a promote). */
  leaseChanged?: () => void;
  /** The roles and what they may do. */
  roles: readonly RoleDefinition[];
}

export const ADMIN_PREFIX = '/console/admin';
const RUN_AS_PAGE = 20;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const when = (iso: string) => iso.replace('T', ' ').slice(0, 16);
const whenS = (iso: string) => iso.replace('T', ' ').slice(0, 19);
const common = { when, whenS };

/** What a redirect's `done` code says, with the name it carries (escaped by the template). */
function notice(q: PageInput['query']): string | undefined {
  const name = q.name ?? '';
  switch (q.done) {
    case 'user-added':
      return `User ${name} was added.`;
    case 'user-saved':
      return `User ${name} was saved.`;
    case 'run-as-created':
      return `Run As account ${name} was created; its password is sealed and will not be shown.`;
    case 'pack-imported':
      return `Management pack ${name} was ${q.outcome === 'imported' ? 'imported' : (q.outcome ?? 'imported')}.`;
    case 'pack-removed':
      return `Management pack ${name} was removed (hidden; its data is kept).`;
    case 'promoted':
      return `${name} is now the workflow server (fencing token ${q.token ?? '?'}); it claims the lease at its next check.`;
    default:
      return undefined;
  }
}

const problemOf = (e: SmgrError | ApiError) => ({ message: e.message, remedy: e.remedy, code: e.code });

const statusOf = (e: unknown): number | undefined =>
  isSmgrError(e) ? e.httpStatus : e instanceof ApiError ? e.status : undefined;

/** Runs a change; a refusal (a 4xx SmgrError or API answer) re-renders `again` with the problem and its status. */
async function attempt(
  change: () => Promise<PageResult>,
  again: (problem: ReturnType<typeof problemOf>) => Promise<PageResult>,
): Promise<PageResult> {
  try {
    return await change();
  } catch (e) {
    const status = statusOf(e);
    // 401 (the token ended) and 403 go to the console's error handler: sign-in again, or the 403 page.
    if (status !== undefined && status >= 400 && status < 500 && status !== 401 && status !== 403) {
      const r = await again(problemOf(e as SmgrError | ApiError));
      return r.kind === 'page' ? { ...r, status } : r;
    }
    throw e;
  }
}

const q = (o: Record<string, string>) => new URLSearchParams(o).toString();

export function adminPageRoutes(ctx: AdminPagesContext): PageRoute[] {
  const { db, api } = ctx;

  const usersView = async (input: PageInput, extra: Record<string, unknown> = {}) => {
    const p = await api.call<{ items: User[]; nextCursor: string | null }>('GET', '/users', {
      token: input.token,
      query: { limit: '50', cursor: input.query.cursor || undefined },
    });
    return page('@adminUsers', {
      ...common,
      title: 'Users and roles',
      section: 'users',
      users: p.items,
      next: p.nextCursor,
      roles: assignableRoles(ctx.roles),
      allRoles: ctx.roles,
      minPassword: MIN_PASSWORD_LENGTH,
      values: {},
      notice: notice(input.query),
      ...extra,
    });
  };

  const runAsView = async (input: PageInput, extra: Record<string, unknown> = {}) => {
    const p = await api.call<{ items: RunAsAccount[]; nextCursor: string | null }>(
      'GET',
      '/run-as-accounts',
      {
        token: input.token,
        query: { limit: String(RUN_AS_PAGE), cursor: input.query.cursor || undefined },
      },
    );
    return page('@adminRunAs', {
      ...common,
      title: 'Run As accounts',
      section: 'run-as',
      accounts: p.items,
      next: p.nextCursor,
      values: {},
      notice: notice(input.query),
      ...extra,
    });
  };

  const packsView = async (input: PageInput, extra: Record<string, unknown> = {}) => {
    const all = input.query.all === 'true';
    return page('@adminPacks', {
      ...common,
      title: 'Management packs',
      section: 'packs',
      all,
      packs: (
        await api.call<{ items: PackSummary[] }>('GET', '/management-packs', {
          token: input.token,
          query: { all: all ? 'true' : undefined },
        })
      ).items,
      contents: (p: PackSummary) =>
        CONTENT_KINDS.filter((k) => p.contents[k] > 0)
          .map((k) => `${p.contents[k]} ${k}`)
          .join(', ') || 'nothing',
      notice: notice(input.query),
      ...extra,
    });
  };

  const serversView = async (input: PageInput, extra: Record<string, unknown> = {}) => {
    const g = await groupServers(db);
    return page('@adminServers', {
      ...common,
      title: 'Servers',
      section: 'servers',
      servers: g.servers,
      lease: g.lease,
      notice: notice(input.query),
      ...extra,
    });
  };

  const promoteView = async (input: PageInput, extra: Record<string, unknown> = {}) => {
    const target = input.params.computer ?? '';
    const g = await groupServers(db);
    const server = g.servers.find(
      (s) => s.part === 'management-server' && s.computerName === target.toLowerCase(),
    );
    if (!server) {
      return serversView(input, {
        problem: problemOf(
          new SmgrError('PROMOTE_UNKNOWN_SERVER', {
            computer: target,
            group: 'this group',
            servers: g.servers
              .filter((s) => s.part === 'management-server')
              .map((s) => s.computerName)
              .join(', '),
          }),
        ),
      }).then((r) => (r.kind === 'page' ? { ...r, status: 404 } : r));
    }
    return page('@adminPromote', {
      ...common,
      title: `Promote ${server.computerName}`,
      section: 'servers',
      target: server.computerName,
      lease: g.lease,
      ...extra,
    });
  };

  /** A pack's summary and document through the API; undefined when there is none by that id. */
  const packOf = async (i: PageInput) => {
    try {
      return await api.call<{ pack: PackSummary; document: unknown }>(
        'GET',
        `/management-packs/${encodeURIComponent(i.params.id ?? '')}`,
        { token: i.token },
      );
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || e.status === 400)) return undefined;
      throw e;
    }
  };

  return [
    { method: 'GET', url: ADMIN_PREFIX, handle: async () => redirect(`${ADMIN_PREFIX}/users`) },
    { method: 'GET', url: `${ADMIN_PREFIX}/users`, handle: (i) => usersView(i) },
    {
      method: 'POST',
      url: `${ADMIN_PREFIX}/users`,
      handle: (i) => {
        const values = {
          username: field(i.form, 'username').trim(),
          displayName: field(i.form, 'displayName').trim(),
          role: field(i.form, 'role'),
        };
        return attempt(
          async () => {
            const u = await api.call<User>('POST', '/users', {
              token: i.token,
              body: {
                username: values.username,
                role: values.role,
                password: field(i.form, 'password'),
                ...(values.displayName ? { displayName: values.displayName } : {}),
              },
            });
            return redirect(`${ADMIN_PREFIX}/users?${q({ done: 'user-added', name: u.username })}`);
          },
          (problem) => usersView({ ...i, query: {} }, { problem, values }),
        );
      },
    },
    {
      method: 'POST',
      url: `${ADMIN_PREFIX}/users/:username`,
      handle: (i) =>
        attempt(
          async () => {
            const state = field(i.form, 'state');
            const u = await api.call<User>('PATCH', `/users/${encodeURIComponent(i.params.username ?? '')}`, {
              token: i.token,
              body: {
                ...(field(i.form, 'role') ? { role: field(i.form, 'role') } : {}),
                ...(state === 'enabled' || state === 'disabled' ? { disabled: state === 'disabled' } : {}),
              },
            });
            return redirect(`${ADMIN_PREFIX}/users?${q({ done: 'user-saved', name: u.username })}`);
          },
          (problem) => usersView({ ...i, query: {} }, { problem }),
        ),
    },
    { method: 'GET', url: `${ADMIN_PREFIX}/run-as`, handle: (i) => runAsView(i) },
    {
      method: 'POST',
      url: `${ADMIN_PREFIX}/run-as`,
      handle: (i) => {
        const values = { name: field(i.form, 'name').trim(), username: field(i.form, 'username').trim() };
        return attempt(
          async () => {
            const password = field(i.form, 'password');
            if (!values.name || !values.username || !password) {
              throw new SmgrError('VALIDATION', { detail: 'name, user name and password are all required' });
            }
            const a = await api.call<RunAsAccount>('POST', '/run-as-accounts', {
              token: i.token,
              body: { ...values, password },
            });
            return redirect(`${ADMIN_PREFIX}/run-as?${q({ done: 'run-as-created', name: a.name })}`);
          },
          (problem) => runAsView({ ...i, query: {} }, { problem, values }),
        );
      },
    },
    {
      method: 'POST',
      url: `${ADMIN_PREFIX}/run-as/:id/test`,
      handle: (i) =>
        attempt(
          async () => {
            const id = i.params.id ?? '';
            if (!UUID.test(id)) {
              throw new SmgrError('NOT_FOUND', {
                kind: 'Run As account',
                id,
                path: `${ADMIN_PREFIX}/run-as`,
              });
            }
            const path = `/run-as-accounts/${id}`;
            const { name } = await api.call<RunAsAccount>('GET', path, { token: i.token });
            const answer = await api.call<{ matches: boolean }>('POST', `${path}/verify`, {
              token: i.token,
              body: { password: field(i.form, 'password') },
            });
            return answer.matches
              ? runAsView({ ...i, query: {} }, { notice: `The password matches the one sealed for ${name}.` })
              : runAsView(
                  { ...i, query: {} },
                  {
                    problem: {
                      message: `The password does not match the one sealed for ${name}.`,
                      remedy: 'Check the password, or create the account again with the right one.',
                    },
                  },
                );
          },
          (problem) => runAsView({ ...i, query: {} }, { problem }),
        ),
    },
    { method: 'GET', url: `${ADMIN_PREFIX}/packs`, handle: (i) => packsView(i) },
    {
      method: 'POST',
      url: `${ADMIN_PREFIX}/packs`,
      handle: (i) =>
        attempt(
          async () => {
            const file = i.form.file as UploadedFile | undefined;
            if (!file || typeof file !== 'object' || file.kind !== 'file' || file.size === 0) {
              throw new SmgrError('CONSOLE_PACK_FILE_MISSING');
            }
            const r = await api.call<{ id: string; outcome: string }>('POST', '/management-packs', {
              token: i.token,
              body: parsePackText(file.text),
            });
            return redirect(
              `${ADMIN_PREFIX}/packs?${q({ done: 'pack-imported', name: r.id, outcome: r.outcome })}`,
            );
          },
          (problem) => packsView({ ...i, query: {} }, { problem }),
        ),
    },
    {
      method: 'GET',
      url: `${ADMIN_PREFIX}/packs/:id/export`,
      handle: (i) =>
        attempt(
          async () => {
            const p = await packOf(i);
            if (!p || p.pack.removedAt) throw new SmgrError('PACK_NOT_FOUND', { id: i.params.id ?? '' });
            return {
              kind: 'download',
              fileName: `${p.pack.id}.json`,
              contentType: 'application/json',
              text: `${JSON.stringify(p.document, null, 2)}\n`,
            };
          },
          (problem) => packsView({ ...i, query: {} }, { problem }),
        ),
    },
    {
      method: 'GET',
      url: `${ADMIN_PREFIX}/packs/:id/remove`,
      handle: async (i) => {
        const found = await packOf(i);
        if (!found || found.pack.removedAt) {
          const r = await packsView(
            { ...i, query: {} },
            { problem: problemOf(new SmgrError('PACK_NOT_FOUND', { id: i.params.id ?? '' })) },
          );
          return r.kind === 'page' ? { ...r, status: 404 } : r;
        }
        return page('@adminPackRemove', {
          ...common,
          title: `Remove ${found.pack.id}`,
          section: 'packs',
          pack: found.pack,
        });
      },
    },
    {
      method: 'POST',
      url: `${ADMIN_PREFIX}/packs/:id/remove`,
      handle: (i) =>
        attempt(
          async () => {
            await api.call('DELETE', `/management-packs/${encodeURIComponent(i.params.id ?? '')}`, {
              token: i.token,
            });
            return redirect(`${ADMIN_PREFIX}/packs?${q({ done: 'pack-removed', name: i.params.id ?? '' })}`);
          },
          (problem) => packsView({ ...i, query: {} }, { problem }),
        ),
    },
    { method: 'GET', url: `${ADMIN_PREFIX}/servers`, handle: (i) => serversView(i) },
    { method: 'GET', url: `${ADMIN_PREFIX}/servers/:computer/promote`, handle: (i) => promoteView(i) },
    {
      method: 'POST',
      url: `${ADMIN_PREFIX}/servers/:computer/promote`,
      handle: (i) =>
        attempt(
          async () => {
            const shown = field(i.form, 'token');
            const now = (await readLease(db)).token;
            if (shown !== String(now)) {
              throw new SmgrError('CONSOLE_PROMOTE_STALE', { shown: shown || 'none', now });
            }
            const r = await promote(db, {
              computer: i.params.computer ?? '',
              force: field(i.form, 'force') === 'yes',
              actor: i.actor,
              settings: ctx.leaseSettings,
            });
            ctx.leaseChanged?.();
            return redirect(
              `${ADMIN_PREFIX}/servers?${q({ done: 'promoted', name: r.holder, token: String(r.token) })}`,
            );
          },
          (problem) => promoteView({ ...i, query: {} }, { problem }),
        ),
    },
  ];
}
