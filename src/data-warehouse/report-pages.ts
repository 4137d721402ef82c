/**
 * The report page of the DW server: GET /reports draws every report for the
 * chosen range, period and class as a server-rendered SVG chart followed by
 * its data as a table; GET /reports/NAME.csv downloads one; sign-in and
 * sign-out forms. Signed in with a DW user's name and password (the same
 * sign-in as POST /api/v1/sessions, rate-limited), kept in a sealed cookie
 * (report-session-cookie.ts); every request checks the token is still valid.
 *
 * Guarantees on every answer: a Content-Security-Policy allowing no script
 * and nothing from elsewhere, no framing, no caching; every POST carries the
 * session's CSRF token or is refused (403, nothing done). Bad parameters
 * show the registry's message and remedy with a 400, never a stack trace.
 * Read only apart from sign-in and sign-out (tokens, audit).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Eta } from 'eta';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../db/database.js';
import { isSmgrError, SmgrError } from '../errors/smgr-error.js';
import { RetryLaterError } from '../management-server/retry-later-error.js';
import { findDwTokenUser, REPORT_ROLES, revokeDwToken, signInToDw } from './dw-sessions.js';
import { toCsv } from './report-csv.js';
import { reportNamed } from './report-definitions.js';
import { parseReportParameters, type ReportParameters } from './report-parameters.js';
import { buildReportSections, GRAIN_LABELS } from './report-sections.js';
import {
  anonymousReportSession,
  REPORT_COOKIE,
  type ReportSession,
  type ReportSessionSealer,
} from './report-session-cookie.js';
import { REPORT_ICON, REPORT_STYLESHEET, REPORT_VIEWS } from './report-views.js';
import { reportClasses, runReport, todayUtc } from './run-report.js';

export const REPORT_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const FORM_LIMIT = 16 * 1024;

interface PageState {
  session: ReportSession;
  changed: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    reportSession?: PageState;
  }
}

export interface ReportPagesOptions {
  staging: Database;
  datamart: Database;
  sealer: ReportSessionSealer;
  groupName: string;
}

const cell = (v: unknown) => (v === null || v === undefined ? '–' : String(v));

export const reportPages: FastifyPluginAsync<ReportPagesOptions> = async (app, o) => {
  const eta = new Eta({ autoEscape: true, autoTrim: false, cache: true });
  for (const [name, text] of Object.entries(REPORT_VIEWS)) eta.loadTemplate(name, text);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_LIMIT },
    (_req, body, done) => {
      const form: Record<string, string> = {};
      for (const [k, v] of new URLSearchParams(body as string)) if (!(k in form)) form[k] = v;
      done(null, form);
    },
  );

  const state = (request: FastifyRequest): PageState => {
    request.reportSession ??= { session: anonymousReportSession(), changed: true };
    return request.reportSession;
  };
  const page = (reply: FastifyReply, view: string, data: Record<string, unknown>, status = 200) => {
    const { session } = state(reply.request);
    const html = eta.render(view, {
      ...data,
      user: session.user,
      csrf: session.csrf,
      groupName: o.groupName,
    });
    return reply.status(status).type('text/html; charset=utf-8').send(html);
  };
  const errorPage = (
    reply: FastifyReply,
    status: number,
    heading: string,
    message: string,
    remedy?: string,
  ) => page(reply, '@error', { title: heading, heading, message, remedy }, status);

  app.addHook('onRequest', async (request) => {
    const opened = o.sealer.open(readCookie(request.headers.cookie, REPORT_COOKIE));
    // A signed-in cookie whose token was revoked or expired is signed out.
    if (opened?.token && !(await findDwTokenUser(o.staging, opened.token))) {
      request.reportSession = { session: anonymousReportSession(), changed: true };
    } else {
      request.reportSession = opened
        ? { session: opened, changed: false }
        : { session: anonymousReportSession(), changed: true };
    }
  });

  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST') return;
    const sent = (request.body as Record<string, string> | undefined)?._csrf ?? '';
    if (!sameToken(sent, state(request).session.csrf)) {
      request.log.info({ path: request.routeOptions.url }, 'form refused: CSRF token missing or wrong');
      return errorPage(
        reply,
        403,
        'This form cannot be accepted',
        'It did not come from this page, or your session changed since it was shown.',
        'Go back, reload the page and send it again.',
      );
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('content-security-policy', REPORT_CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    reply.header('x-frame-options', 'DENY');
    if (!reply.getHeader('cache-control')) reply.header('cache-control', 'no-store');
    const s = request.reportSession;
    if (s?.changed) reply.header('set-cookie', cookieFor(o.sealer.seal(s.session), s.session, request));
    return payload;
  });

  app.setErrorHandler((error, request, reply) => {
    if (isSmgrError(error) && error.httpStatus < 500)
      return errorPage(reply, error.httpStatus, 'This cannot be shown', error.message, error.remedy);
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500)
      return errorPage(reply, status, 'Bad request', 'The request was not valid.');
    request.log.error({ err: { message: (error as Error).message } }, 'report page failed');
    return errorPage(reply, 500, 'Something went wrong', 'The reports could not be shown.', 'Try again.');
  });

  app.get('/reports/static/reports.css', async (_req, reply) =>
    reply
      .type('text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .send(REPORT_STYLESHEET),
  );

  app.get('/reports/static/icon.svg', async (_req, reply) =>
    reply.type('image/svg+xml').header('cache-control', 'public, max-age=300').send(REPORT_ICON),
  );

  app.get('/reports/sign-in', async (request, reply) => {
    if (state(request).session.user) return reply.redirect('/reports', 303);
    return page(reply, '@signIn', { title: 'Sign in', username: '' });
  });

  app.post<{ Body: Record<string, string> }>('/reports/sign-in', async (request, reply) => {
    const username = (request.body?.username ?? '').slice(0, 255);
    const password = (request.body?.password ?? '').slice(0, 1024);
    try {
      if (!username || !password) throw new SmgrError('UNAUTHORIZED');
      const { user, session } = await signInToDw(o.staging, { username, address: request.ip }, password);
      if (!REPORT_ROLES.includes(user.role)) {
        await revokeDwToken(o.staging, session.token, user.username);
        return errorPage(reply, 403, 'Not allowed', `The role ${user.role} may not read the reports.`);
      }
      request.reportSession = {
        session: {
          csrf: randomBytes(24).toString('base64url'),
          expires: Date.parse(session.expiresAt),
          user: { username: user.username, role: user.role },
          token: session.token,
        },
        changed: true,
      };
      return reply.redirect('/reports', 303);
    } catch (e) {
      if (e instanceof RetryLaterError) {
        reply.header('retry-after', String(e.retryAfterS));
        return page(reply, '@signIn', { title: 'Sign in', username, message: e.message }, 429);
      }
      if (isSmgrError(e) && e.code === 'UNAUTHORIZED')
        return page(
          reply,
          '@signIn',
          { title: 'Sign in', username, message: 'Wrong user name or password.' },
          401,
        );
      throw e;
    }
  });

  app.post('/reports/sign-out', async (request, reply) => {
    const s = state(request).session;
    if (s.token && s.user) await revokeDwToken(o.staging, s.token, s.user.username);
    request.reportSession = { session: anonymousReportSession(), changed: true };
    return reply.redirect('/reports/sign-in', 303);
  });

  const checked = async (request: FastifyRequest, name: string): Promise<ReportParameters> => {
    const report = reportNamed(name)!;
    const query = { ...((request.query ?? {}) as Record<string, unknown>) };
    return parseReportParameters(report, query, {
      today: todayUtc(),
      classes: await reportClasses(o.staging),
    });
  };

  app.get('/reports', async (request, reply) => {
    const s = state(request).session;
    if (!s.user) return reply.redirect('/reports/sign-in', 303);
    const classes = await reportClasses(o.staging);
    const grains = Object.entries(GRAIN_LABELS).map(([value, label]) => ({ value, label }));
    let p: ReportParameters;
    try {
      p = await checked(request, 'backlog');
      if (p.format !== undefined)
        throw new SmgrError('DW_REPORT_PARAMETER', {
          parameter: 'format',
          reason: 'the page has no format',
          allowed: 'a CSV link of a report',
        });
    } catch (e) {
      if (!isSmgrError(e) || e.code !== 'DW_REPORT_PARAMETER') throw e;
      const fallback = parseReportParameters(reportNamed('backlog')!, {}, { today: todayUtc(), classes });
      return page(
        reply,
        '@reports',
        {
          title: 'Reports',
          p: fallback,
          classes,
          grains,
          error: { message: e.message, remedy: e.remedy },
          cell,
        },
        400,
      );
    }
    const sections = await buildReportSections(o.datamart, p, classes);
    return page(reply, '@reports', {
      title: 'Reports',
      p,
      classes,
      grains,
      grainLabel: GRAIN_LABELS[p.grain].toLowerCase(),
      sections,
      cell,
    });
  });

  app.get<{ Params: { file: string } }>('/reports/:file', async (request, reply) => {
    const s = state(request).session;
    if (!s.user) return reply.redirect('/reports/sign-in', 303);
    const name = request.params.file.endsWith('.csv') ? request.params.file.slice(0, -4) : '';
    const report = reportNamed(name);
    if (!report) return errorPage(reply, 404, 'Page not found', 'There is no report at this address.');
    const p = await checked(request, name);
    const rows = await runReport(o.datamart, report, p);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${report.name}-${p.from}-${p.to}.csv"`)
      .send(
        toCsv(
          report.columns.map((c) => c.key),
          rows,
        ),
      );
  });
};

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

function cookieFor(value: string, session: ReportSession, request: FastifyRequest): string {
  const maxAge = Math.max(0, Math.floor((session.expires - Date.now()) / 1000));
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${REPORT_COOKIE}=${value}; Path=/reports; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
}
