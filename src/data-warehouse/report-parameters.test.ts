import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SmgrError } from '../errors/smgr-error.js';
import { toCsv } from './report-csv.js';
import { reportNamed } from './report-definitions.js';
import { parseReportParameters } from './report-parameters.js';

const known = { today: '2026-11-30', classes: ['incident', 'service-request'] };
const backlog = reportNamed('backlog')!;
const top = reportNamed('top-configuration-items')!;

function refusal(fn: () => unknown): SmgrError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SmgrError);
    return e;
  }
  assert.fail('refused');
}

describe('report parameters', () => {
  it('defaults: to today (UTC), from 30 days, 12 weeks or 12 months before, grain day, every class, limit 10', () => {
    assert.deepEqual(parseReportParameters(backlog, {}, known), {
      from: '2026-11-01',
      to: '2026-11-30',
      grain: 'day',
      class: null,
      limit: 10,
      format: undefined,
    });
    assert.equal(parseReportParameters(backlog, { grain: 'week' }, known).from, '2026-09-08');
    assert.equal(
      parseReportParameters(backlog, { grain: 'month', to: '2026-02-10' }, known).from,
      '2025-03-01',
    );
    assert.deepEqual(
      parseReportParameters(
        top,
        { from: '2024-02-29', to: '2024-03-01', class: 'incident', limit: '3', format: 'csv' },
        known,
      ),
      { from: '2024-02-29', to: '2024-03-01', grain: 'day', class: 'incident', limit: 3, format: 'csv' },
    );
    // Empty values are absent values (a form's empty select).
    assert.equal(parseReportParameters(backlog, { class: '' }, known).class, null);
  });

  it('refuses bad values with DW_REPORT_PARAMETER naming the allowed values, never echoing the value', () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ grain: 'hour' }, 'grain', /Allowed: day, week, month, all\./],
      [{ from: '2026-02-30' }, 'from', /YYYY-MM-DD/],
      [{ to: '30.11.2026' }, 'to', /YYYY-MM-DD/],
      [{ from: '2026-11-30', to: '2026-11-01' }, 'from', /on or before to/],
      [{ from: '2000-01-01', to: '2026-01-01' }, 'from', /at most 3660 days/],
      [{ class: '<script>' }, 'class', /Allowed: incident, service-request\./],
      [{ format: 'xml' }, 'format', /Allowed: json, csv\./],
      [{ grain: ['day', 'week'] }, 'grain', /one value/],
      [{ limit: '5' }, 'limit', /from, to, grain, class, format\./],
      [{ 'x<y>': '1' }, '(unnamed)', /Allowed: from, to/],
    ];
    for (const [query, parameter, allowed] of cases) {
      const e = refusal(() => parseReportParameters(backlog, query, known));
      assert.equal(e.code, 'DW_REPORT_PARAMETER');
      assert.equal(e.httpStatus, 400);
      assert.match(
        e.message,
        new RegExp(`^The report parameter ${parameter.replace(/[()]/g, '\\$&')} is not valid: `),
      );
      assert.match(e.remedy, allowed);
      assert.doesNotMatch(`${e.message} ${e.remedy}`, /hour|2026-02-30|30\.11|<script>|xml|x<y>/);
    }
    for (const limit of ['0', '101', '1.5', 'ten', '-1'])
      assert.match(refusal(() => parseReportParameters(top, { limit }, known)).remedy, /Allowed: 1 to 100\./);
  });
});

describe('report CSV', () => {
  it('quotes what needs it, keeps numbers, empties nulls, and defuses spreadsheet formulas', () => {
    const csv = toCsv(
      ['period', 'configItem', 'workItems', 'share'],
      [
        { period: '2026-11-01', configItem: 'printer, "north"', workItems: 3, share: 12.5 },
        { period: '2026-11-02', configItem: '=HYPERLINK("http://x")', workItems: 0, share: null },
        { period: '2026-11-03', configItem: 'line\nbreak', workItems: -1, share: null },
      ],
    );
    assert.equal(
      csv,
      'period,configItem,workItems,share\r\n' +
        '2026-11-01,"printer, ""north""",3,12.5\r\n' +
        `2026-11-02,"'=HYPERLINK(""http://x"")",0,\r\n` +
        '2026-11-03,"line\nbreak",-1,\r\n',
    );
  });
});
