/**
 * The reports on the DW API, for a DW user signed in with a bearer token
 * (POST /api/v1/sessions on this server) whose role may read them:
 *
 * - GET /api/v1/reports: the reports, their parameters and columns;
 * - GET /api/v1/reports/NAME?from=&to=&grain=&class=[&limit=]: JSON
 *   `{report, parameters, rows}`, one object per period (per period and
 *   priority, per period and rank where the report says so); CSV with
 *   `format=csv` or `Accept: text/csv` (`format=json` wins over Accept).
 *
 * An unknown report is 404 DW_REPORT_UNKNOWN, a bad parameter 400
 * DW_REPORT_PARAMETER naming the allowed values; neither reads the data mart.
 * Read only: nothing is written.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Database } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { bearerToken, requireReportReader } from './dw-sessions.js';
import { toCsv } from './report-csv.js';
import { GRAINS, REPORTS, reportNamed } from './report-definitions.js';
import { parseReportParameters } from './report-parameters.js';
import { reportClasses, runReport, todayUtc } from './run-report.js';

export const reportRoutes: FastifyPluginAsync<{ staging: Database; datamart: Database }> = async (
  app,
  { staging, datamart },
) => {
  app.get('/api/v1/reports', async (request) => {
    await requireReportReader(staging, bearerToken(request.headers.authorization));
    return {
      reports: REPORTS.map((r) => ({
        name: r.name,
        title: r.title,
        description: r.description,
        parameters: {
          from: 'YYYY-MM-DD',
          to: 'YYYY-MM-DD',
          grain: GRAINS,
          class: 'a work item class',
          ...(r.takesLimit ? { limit: '1-100' } : {}),
        },
        columns: r.columns.map((c) => c.key),
      })),
    };
  });

  app.get<{ Params: { name: string } }>('/api/v1/reports/:name', async (request, reply) => {
    await requireReportReader(staging, bearerToken(request.headers.authorization));
    const report = reportNamed(request.params.name);
    if (!report) {
      const shown = /^[a-z0-9-]{1,64}$/.test(request.params.name) ? request.params.name : '(that name)';
      throw new SmgrError('DW_REPORT_UNKNOWN', {
        name: shown,
        allowed: REPORTS.map((r) => r.name).join(', '),
      });
    }
    const query = (request.query ?? {}) as Record<string, unknown>;
    const p = parseReportParameters(report, query, {
      today: todayUtc(),
      classes: await reportClasses(staging),
    });
    const rows = await runReport(datamart, report, p);
    const csv =
      p.format === 'csv' || (p.format === undefined && /\btext\/csv\b/i.test(request.headers.accept ?? ''));
    reply.header('cache-control', 'no-store');
    if (csv) {
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${report.name}-${p.from}-${p.to}.csv"`)
        .send(
          toCsv(
            report.columns.map((c) => c.key),
            rows,
          ),
        );
    }
    return {
      report: report.name,
      parameters: {
        from: p.from,
        to: p.to,
        grain: p.grain,
        class: p.class,
        ...(report.takesLimit ? { limit: p.limit } : {}),
      },
      rows,
    };
  });
};
