/**
 * The data warehouse's reports end to end (issue 11 items 5 and 6), on both
 * engines: a management server whose ServiceManager database holds seven
 * weeks of a service desk's history (back-dated, as the API writes it) and
 * today's work through the API; a DW set up, registered and run through
 * the built CLI (`smgr dw run all`: mpsync, extract, transform, load).
 *
 * - The reports equal an independent computation straight from
 *   ServiceManager's work item history (test/support/report-oracle.ts):
 *   backlog, opened/resolved and time to resolution by day, week and month,
 *   for every class and per class; SLA compliance (from the history, the SLA targets of the
 *   priorities and the management server's target and breach mark of each incident; today's
 *   incidents resolved through the API before the SLA workflow saw them open get their target
 *   after the fact and count as met); the most
 *   affected configuration items, one of them related through the API (POST
 *   /api/v1/work-items/ID/config-items: a {related} history entry, not a property).
 * - History outlives grooming: the management server's grooming workflow
 *   deletes the items closed before its retention; after the next ETL runs,
 *   every report served by the DW (GET /api/v1/reports/NAME, signed in with
 *   POST /api/v1/sessions on the DW) still equals the computation made
 *   before grooming.
 * - JSON and CSV agree; bad parameters are 400 DW_REPORT_PARAMETER naming
 *   the allowed values, an unknown report 404, no token 401.
 * - The report page (first engine): opened in Debian's chromium, signed in
 *   through its form, no console error, no serious or critical axe-core
 *   violation, every chart drawn with its table, a screenshot not blank.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { reportNamed } from '../../src/data-warehouse/report-definitions.js';
import { runReport } from '../../src/data-warehouse/run-report.js';
import { openDatabase } from '../../src/db/open-database.js';
import { checkAccessibility, launchBrowser, screenshot } from '../support/browser.js';
import { api, type CliEnv, runCli, type ServeHandle, startServe } from '../support/cli.js';
import { type DeskHistory, writeDeskHistory } from '../support/desk-history.js';
import { DW_PASSWORD, newDwUrls, passwordFile, registerDw, setupDw, signIn } from '../support/dw.js';
import { ENGINES, tempDir } from '../support/engines.js';
import { eventually } from '../support/eventually.js';
import { isBlankPng } from '../support/png.js';
import {
  backlog,
  configItemCounts,
  type ItemHistory,
  openedResolved,
  periods,
  readHistories,
  readSlaStates,
  type SlaOutcome,
  slaCompliance,
  slaOutcomes,
  timeToResolution,
} from '../support/report-oracle.js';

const ADMIN_PASSWORD = 'sm-admin-pass-5c5c';
const SHOTS = path.resolve('dist/test-output/dw-reports');
const GROOM_AFTER_DAYS = 20;
const GRAINS = ['day', 'week', 'month'] as const;
const CLASSES = [null, 'incident', 'service-request'] as const;

type Row = Record<string, unknown>;

/** A port free now: the management server restarts on the same address, the one the DW registered. */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** The DW's answer and the oracle's, compared on the columns that matter (hours within the SQL's rounding). */
function assertSameRows(what: string, got: Row[], want: readonly object[], keys: string[]): void {
  const pick = (r: object) => keys.map((k) => (r as Row)[k]);
  assert.equal(
    got.length,
    want.length,
    `${what}: ${JSON.stringify(got.map(pick))} vs ${JSON.stringify(want.map(pick))}`,
  );
  got.forEach((g, i) => {
    for (const k of keys) {
      const a = g[k];
      const b = (want[i] as Row)[k];
      if (typeof a === 'number' && typeof b === 'number' && !Number.isInteger(b))
        assert.ok(Math.abs(a - b) < 0.0011, `${what} row ${i} ${k}: ${a} vs ${b}`);
      else assert.equal(a, b, `${what} row ${i} ${k}`);
    }
  });
}

for (const [index, engine] of ENGINES.entries()) {
  describe(`DW reports (${engine().name})`, () => {
    const fx = engine();
    const root = tempDir('smgr-dw-reports-');
    const smPw = passwordFile(root, ADMIN_PASSWORD);
    const sm: CliEnv = { home: path.join(root, 'sm-home'), computerName: 'ms01' };
    const dw: CliEnv = { home: path.join(root, 'dw-home'), computerName: 'dw01' };
    let smUrl: string;
    let datamartUrl: string;
    let smServer: ServeHandle | undefined;
    let dwServer: ServeHandle | undefined;
    let browser: Browser | undefined;
    let desk: DeskHistory;
    let items: ItemHistory[];
    let sla: SlaOutcome[];
    let today: string;
    let from: string;
    let groomed: number[];
    /** Today's incidents created and resolved through the API at once (before the SLA workflow ran). */
    let fastResolved: number[];
    let smListen: string[];

    /** The grooming settings; the SLA workflow every second (today's incidents get their targets soon). */
    const setGrooming = (grooming: Record<string, number>) => {
      const file = path.join(sm.home, 'config.json');
      const config = JSON.parse(fs.readFileSync(file, 'utf8'));
      config.parts['management-server'].workflows = { grooming, sla: { intervalSeconds: 1 } };
      fs.writeFileSync(file, JSON.stringify(config));
    };

    /** `smgr dw run all` (the DW not serving: in the CLI's process) until `done` holds on the data mart. */
    const etlUntil = async (
      what: string,
      done: (mart: Awaited<ReturnType<typeof openDatabase>>) => Promise<boolean>,
    ) =>
      eventually(
        what,
        async () => {
          const r = await runCli(['dw', 'run', 'all', '--json'], dw);
          assert.equal(r.code, 0, r.stdout + r.stderr);
          const mart = await openDatabase(datamartUrl);
          try {
            return await done(mart);
          } finally {
            await mart.close();
          }
        },
        { everyMs: 500 },
      );

    /** Every report the oracle computes, as the DW answers it through `get`. */
    const compareAll = async (get: (name: string, q: Record<string, string>) => Promise<Row[]>) => {
      for (const grain of GRAINS) {
        for (const cls of CLASSES) {
          const q: Record<string, string> = { from, to: today, grain, ...(cls ? { class: cls } : {}) };
          const ps = periods(from, today, grain);
          const label = `${grain} ${cls ?? 'all classes'}`;
          assertSameRows(`backlog ${label}`, await get('backlog', q), backlog(items, ps, cls), [
            'period',
            'start',
            'end',
            'open',
          ]);
          assertSameRows(
            `opened-resolved ${label}`,
            await get('opened-resolved', q),
            openedResolved(items, ps, cls),
            ['period', 'opened', 'resolved'],
          );
          assertSameRows(
            `time-to-resolution ${label}`,
            await get('time-to-resolution', q),
            timeToResolution(items, ps, cls),
            ['period', 'priority', 'resolved', 'meanHours', 'p90Hours'],
          );
          assertSameRows(
            `sla-compliance ${label}`,
            await get('sla-compliance', q),
            slaCompliance(sla, ps, cls),
            ['period', 'start', 'end', 'met', 'breached', 'compliancePercent'],
          );
        }
      }
      const top = await get('top-configuration-items', { from, to: today, grain: 'all' });
      const counts = configItemCounts(items, from, today);
      assert.deepEqual(
        Object.fromEntries(top.map((r) => [r.configItemId, r.workItems])),
        Object.fromEntries([...counts.entries()].map(([k, v]) => [k, v])),
      );
      assert.deepEqual(
        top.map((r) => r.rank),
        top.map((_, i) => i + 1),
      );
    };

    before(async () => {
      smUrl = await fx.newDatabaseUrl();
      const s = await runCli(
        [
          'setup',
          'management-server',
          '--new-database',
          '--management-group',
          'Reports SM',
          '--database',
          smUrl,
          '--admin-user',
          'admin',
          '--admin-password-file',
          smPw,
        ],
        sm,
      );
      assert.equal(s.code, 0, s.stdout + s.stderr);
      // Grooming keeps everything until the grooming test shortens its retention.
      setGrooming({ intervalSeconds: 3600, retentionDays: 3650 });
      const db = await openDatabase(smUrl);
      try {
        desk = await writeDeskHistory(db, 48);
      } finally {
        await db.close();
      }
      smListen = ['--listen', `127.0.0.1:${await freePort()}`];
      smServer = await startServe(sm, smListen);
      // Today's work, through the API: created, resolved, one reopened and resolved again.
      const token = await signIn(smServer.baseUrl, ADMIN_PASSWORD);
      const todayIds: number[] = [];
      for (let i = 0; i < 4; i++) {
        const c = await api(
          smServer.baseUrl,
          'POST',
          '/api/v1/work-items',
          { class: 'incident', title: `today ${i}`, priority: 1 + i },
          token,
        );
        assert.equal(c.status, 201, c.text);
        todayIds.push(c.body.id as number);
        for (const status of i === 0 ? [] : i === 3 ? ['resolved', 'active', 'resolved'] : ['resolved']) {
          const p = await api(
            smServer.baseUrl,
            'PATCH',
            `/api/v1/work-items/${c.body.id}`,
            { status },
            token,
          );
          assert.equal(p.status, 200, p.text);
        }
      }
      // A configuration item related through the API: a {related} history entry, not a property.
      const rel = await api(
        smServer.baseUrl,
        'POST',
        `/api/v1/work-items/${todayIds[1]}/config-items`,
        { configItemId: desk.configItemIds[3] },
        token,
      );
      assert.equal(rel.status, 201, rel.text);
      const urls = await newDwUrls(fx);
      datamartUrl = urls.datamart;
      await setupDw(dw, 'Reports DW', urls, passwordFile(root, DW_PASSWORD));
      await registerDw(dw, smServer.baseUrl, smPw);
      const total = desk.workItemIds.length + 4;
      fastResolved = todayIds.slice(1);
      const what = `all ${total} work items and the SLA outcomes of today's resolved incidents in the data mart`;
      await etlUntil(what, async (mart) => {
        const c = await mart.query<{ n: number; sla: number }>(
          `SELECT (SELECT count(DISTINCT work_item_id)::int FROM work_item_created_fact) AS n,
                  (SELECT count(*)::int FROM work_item_sla_fact WHERE work_item_id = ANY($1::bigint[])) AS sla`,
          [fastResolved],
        );
        return c.rows[0]!.n === total && c.rows[0]!.sla === fastResolved.length;
      });
      // The oracle reads ServiceManager itself (an embedded one only while no server holds it).
      await smServer.stop();
      smServer = undefined;
      const smDb = await openDatabase(smUrl);
      try {
        items = await readHistories(smDb);
        sla = slaOutcomes(items, await readSlaStates(smDb));
      } finally {
        await smDb.close();
      }
      assert.equal(items.length, total);
      const outcomes = new Set(sla.map((o) => o.outcome));
      assert.ok(outcomes.has('met') && outcomes.has('breached'), `SLA outcomes of both kinds: ${sla.length}`);
      today = new Date().toISOString().slice(0, 10);
      from = new Date(Date.now() - 56 * 86_400_000).toISOString().slice(0, 10);
      groomed = desk.closedBefore(GROOM_AFTER_DAYS);
      assert.ok(groomed.length >= 3, `${groomed.length} items old enough to groom`);
    });

    after(async () => {
      await browser?.close();
      await dwServer?.stop();
      await smServer?.stop();
      await fx.cleanup();
      fs.rmSync(root, { recursive: true, force: true });
    });

    test('the reports (SQL functions of the data mart) equal the computation from the work item history', async () => {
      const mart = await openDatabase(datamartUrl);
      try {
        await compareAll((name, q) =>
          runReport(mart, reportNamed(name)!, {
            from: q.from!,
            to: q.to!,
            grain: q.grain as 'day',
            class: q.class ?? null,
            limit: 10,
          }),
        );
      } finally {
        await mart.close();
      }
    });

    test('incidents resolved before the SLA workflow saw them open count as met in sla-compliance', async () => {
      assert.deepEqual(
        sla.filter((o) => fastResolved.includes(o.id)).map((o) => [o.id, o.outcome]),
        fastResolved.map((id) => [id, 'met']),
      );
      const mart = await openDatabase(datamartUrl);
      try {
        const facts = await mart.query<{ id: number; outcome: string }>(
          `SELECT work_item_id::int AS id, outcome FROM work_item_sla_fact
            WHERE work_item_id = ANY($1::bigint[]) ORDER BY work_item_id`,
          [fastResolved],
        );
        assert.deepEqual(
          facts.rows,
          fastResolved.map((id) => ({ id, outcome: 'met' })),
        );
        const q = { from: today, to: today, grain: 'day' as const, class: 'incident', limit: 10 };
        const got = await runReport(mart, reportNamed('sla-compliance')!, q);
        const want = slaCompliance(sla, periods(today, today, 'day'), 'incident');
        assertSameRows('sla-compliance today', got, want, ['period', 'met', 'breached', 'compliancePercent']);
        assert.ok((got[0]!.met as number) >= fastResolved.length, `met today: ${got[0]!.met}`);
      } finally {
        await mart.close();
      }
    });

    test('grooming deletes the old closed items from ServiceManager; the DW still reports them, through its API', async () => {
      setGrooming({ intervalSeconds: 1, retentionDays: GROOM_AFTER_DAYS });
      smServer = await startServe(sm, smListen);
      const token = await signIn(smServer.baseUrl, ADMIN_PASSWORD);
      await eventually(`${groomed.length} closed items groomed`, async () => {
        for (const id of groomed) {
          const r = await api(smServer!.baseUrl, 'GET', `/api/v1/work-items/${id}`, undefined, token);
          if (r.status !== 404) return false;
        }
        return true;
      });
      await etlUntil('the groomed items marked removed in the data mart', async (mart) => {
        const r = await mart.query<{ n: number }>(
          'SELECT count(DISTINCT work_item_id)::int AS n FROM work_item_dim WHERE removed AND work_item_id = ANY($1::bigint[])',
          [groomed],
        );
        return r.rows[0]!.n === groomed.length;
      });
      dwServer = await startServe(dw);
      const session = await api(dwServer.baseUrl, 'POST', '/api/v1/sessions', {
        username: 'dwadmin',
        password: DW_PASSWORD,
      });
      assert.equal(session.status, 201, session.text);
      const dwToken = session.body.token as string;
      await compareAll(async (name, q) => {
        const r = await api(
          dwServer!.baseUrl,
          'GET',
          `/api/v1/reports/${name}?${new URLSearchParams(q)}`,
          undefined,
          dwToken,
        );
        assert.equal(r.status, 200, r.text);
        return r.body.rows as Row[];
      });
    });

    test('JSON and CSV agree; bad parameters are 400 naming the allowed values; unknown 404; no token 401', async () => {
      const base = dwServer!.baseUrl;
      const token = (
        await api(base, 'POST', '/api/v1/sessions', { username: 'dwadmin', password: DW_PASSWORD })
      ).body.token;
      const q = `from=${from}&to=${today}&grain=week`;
      const json = await api(base, 'GET', `/api/v1/reports/opened-resolved?${q}`, undefined, token);
      const csv = await fetch(`${base}/api/v1/reports/opened-resolved?${q}`, {
        headers: { authorization: `Bearer ${token}`, accept: 'text/csv' },
      });
      assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
      const lines = (await csv.text()).trimEnd().split('\r\n');
      assert.equal(lines[0], 'period,start,end,opened,resolved');
      assert.deepEqual(
        lines.slice(1),
        (json.body.rows as Row[]).map((r) => [r.period, r.start, r.end, r.opened, r.resolved].join(',')),
      );
      const viaFormat = await fetch(`${base}/api/v1/reports/opened-resolved?${q}&format=csv`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal((await viaFormat.text()).trimEnd().split('\r\n').length, lines.length);

      for (const [query, parameter, allowed] of [
        ['grain=hour', 'grain', 'day, week, month, all'],
        ['class=change-request', 'class', 'incident, service-request'],
        ['from=2026-13-01', 'from', 'YYYY-MM-DD'],
        ['format=xml', 'format', 'json, csv'],
        ['colour=red', 'colour', 'from, to, grain, class, format'],
      ] as const) {
        const r = await api(base, 'GET', `/api/v1/reports/backlog?${query}`, undefined, token);
        assert.equal(r.status, 400, r.text);
        assert.equal(r.body.error, 'DW_REPORT_PARAMETER');
        assert.match(r.body.message, new RegExp(`^The report parameter ${parameter} is not valid`));
        assert.ok(r.body.remedy.includes(allowed), r.body.remedy);
      }
      const unknown = await api(base, 'GET', '/api/v1/reports/velocity', undefined, token);
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error, 'DW_REPORT_UNKNOWN');
      assert.match(
        unknown.body.remedy,
        /backlog, opened-resolved, time-to-resolution, sla-compliance, top-configuration-items/,
      );
      const anonymous = await api(base, 'GET', '/api/v1/reports/backlog');
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.body.error, 'UNAUTHORIZED');
      const wrong = await api(base, 'POST', '/api/v1/sessions', {
        username: 'dwadmin',
        password: 'wrong-password',
      });
      assert.equal(wrong.status, 401);
      const malformed = await fetch(`${base}/api/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"username":',
      });
      assert.equal(malformed.status, 400);
      // Signed out: the token stops working at once.
      assert.equal((await api(base, 'DELETE', '/api/v1/sessions/current', undefined, token)).status, 204);
      assert.equal((await api(base, 'GET', '/api/v1/reports/backlog', undefined, token)).status, 401);
    });

    if (index === 0) {
      test('the report page in chromium: signed in through its form, charts and tables, no console error, accessible, not blank', async () => {
        browser = await launchBrowser();
        const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
        const page = await context.newPage();
        const problems: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error') problems.push(m.text());
        });
        page.on('pageerror', (e) => problems.push(e.message));
        const base = dwServer!.baseUrl;
        await page.goto(`${base}/reports`);
        assert.match(page.url(), /\/reports\/sign-in$/);
        await page.fill('#username', 'dwadmin');
        await page.fill('#password', DW_PASSWORD);
        await page.click('button[type=submit]');
        await page.waitForURL(`${base}/reports`);
        await page.goto(`${base}/reports?from=${from}&to=${today}&grain=week`);
        assert.equal(await page.locator('h1').textContent(), 'Service desk reports');
        const charts = page.locator('svg[role=img]');
        assert.equal(await charts.count(), 5);
        for (let i = 0; i < 5; i++) {
          const box = await charts.nth(i).boundingBox();
          assert.ok(box && box.width > 300 && box.height > 200, `chart ${i} drawn`);
        }
        assert.equal(await page.locator('section.report table').count(), 5);
        // The backlog table holds the oracle's figures for the same weeks.
        const rows = await page.locator('#h-backlog ~ table tbody tr').allTextContents();
        const want = backlog(items, periods(from, today, 'week'), null);
        assert.equal(rows.length, want.length);
        for (const [i, text] of rows.entries())
          assert.match(text.replace(/\s+/g, ' '), new RegExp(`${want[i]!.period}.*${want[i]!.open}\\s*$`));
        assert.deepEqual(await checkAccessibility(page), []);
        const shot = await screenshot(page, SHOTS, 'reports');
        assert.equal(isBlankPng(fs.readFileSync(shot)), false);
        // (A 400 below is reported by chromium on its console, as every failed load is.)
        assert.deepEqual(problems, []);
        // Bad parameters: the page says what is allowed, with a 400.
        const bad = await page.goto(`${base}/reports?grain=hour`);
        assert.equal(bad?.status(), 400);
        assert.match(
          (await page.locator('[role=alert]').textContent()) ?? '',
          /Allowed: day, week, month, all/,
        );
        // A CSV link works with the page's session.
        const csv = await context.request.get(
          `${base}/reports/backlog.csv?from=${from}&to=${today}&grain=week`,
        );
        assert.equal(csv.status(), 200);
        assert.match(await csv.text(), /^period,start,end,open\r\n/);
        // Sign out through the form: the page asks to sign in again.
        await page.goto(`${base}/reports`);
        await page.click('.signout button');
        await page.waitForURL(`${base}/reports/sign-in`);
        // A POST without the session's CSRF token is refused.
        const forged = await fetch(`${base}/reports/sign-in`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `username=dwadmin&password=${DW_PASSWORD}`,
        });
        assert.equal(forged.status, 403);
        assert.match(forged.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      });
    }
  });
}
