/**
 * The web console's analyst pages end to end (issue 14 "What must show"): a
 * management server on PostgreSQL from the built CLI, Debian's chromium
 * driven by playwright-core. An analyst opens the unassigned queue, takes an
 * incident and resolves it; the work item page updates live (no reload) when
 * the item changes through the API; an end user gets the 403 page on every
 * console URL (every route the built app declares, GET in the browser, POST
 * with a valid CSRF token). Every page is checked with axe-core (no serious
 * or critical violation) and screenshotted under dist/test-output/console.
 * The portal's security checks against the console's forms: no CSRF token
 * (or another session's) is refused and does nothing; HTML in a title or a
 * comment is text and never runs; a cookie sealed under another key is not
 * a session; sign-out revokes; sign-in is rate-limited; nothing secret in
 * the log.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { anonymousSession, SessionSealer } from '../../src/web/session-cookie.js';
import { checkAccessibility, launchBrowser, screenshot } from '../support/browser.js';
import { api } from '../support/cli.js';
import {
  CONSOLE_PASSWORDS,
  type ConsoleGroup,
  concreteUrl,
  consoleAgent,
  consoleRouteList,
  consoleSignIn,
  openConsoleGroup,
} from '../support/console.js';
import { isBlankPng } from '../support/png.js';

const SHOTS = path.resolve('dist/test-output/console');
const EVIL = '<script>window.__pwned = 1</script><b>bold</b>';

describe('web console (analyst) in a browser', () => {
  let g: ConsoleGroup;
  let browser: Browser;
  let annContext: BrowserContext;
  let page: Page;
  let base = '';
  let incident = '';
  const checked: string[] = [];

  const check = async (p: Page, name: string) => {
    const violations = await checkAccessibility(p);
    assert.deepEqual(violations, [], `${name}: ${JSON.stringify(violations)}`);
    await screenshot(p, SHOTS, name);
    checked.push(name);
  };

  /** Follows a link of the console's main navigation. */
  const nav = (p: Page, name: string) =>
    p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();

  before(async () => {
    g = await openConsoleGroup('smgr-console-e2e-');
    base = `${g.msUrl}/console`;
    browser = await launchBrowser();
    annContext = await browser.newContext();
    page = await annContext.newPage();
  });
  after(async () => {
    await browser?.close();
    await g?.close();
  });

  test('sign in: the sign-in page, a wrong password, then the console', async () => {
    await page.goto(`${base}/queues`);
    assert.match(page.url(), /\/console\/sign-in\?next=%2Fconsole%2Fqueues$/);
    await check(page, '01-sign-in');
    await page.getByLabel('User name').fill('ann');
    await page.getByLabel('Password').fill('wrong-password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The user name or password is wrong.').waitFor();
    await check(page, '02-sign-in-wrong');
    await page.getByLabel('Password').fill(CONSOLE_PASSWORDS.ann);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Queues' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/console/queues');
    await check(page, '03-queues');
    const cookie = (await annContext.cookies()).find((c) => c.name === 'smgr_console');
    assert.ok(cookie?.httpOnly, 'the session cookie is HttpOnly');
    assert.equal(cookie?.sameSite, 'Lax');
    assert.equal(cookie?.path, '/console');
    await page.getByRole('link', { name: 'smgr console' }).click();
    await page.getByRole('heading', { name: 'Console' }).waitFor();
    await check(page, '04-home');
  });

  test('an analyst opens the unassigned queue, takes an incident and resolves it', async () => {
    const alice = await g.signIn('alice');
    const made = await api(
      g.msUrl,
      'POST',
      '/api/v1/work-items',
      { class: 'incident', title: `Printer jams ${EVIL}` },
      alice,
    );
    assert.equal(made.status, 201, made.text);
    incident = made.body.displayId;
    await nav(page, 'Queues');
    await page.getByRole('link', { name: 'Unassigned incidents' }).click();
    await page.getByRole('heading', { name: 'Unassigned incidents' }).waitFor();
    await check(page, '05-queue-unassigned');
    await page.getByRole('link', { name: incident, exact: true }).click();
    await page.getByRole('heading', { name: `${incident}: Printer jams ${EVIL}` }).waitFor();
    assert.equal(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned), undefined);
    assert.equal(await page.locator('h1 b').count(), 0, 'no element made from the title');
    await check(page, '06-work-item');
    await page.getByRole('button', { name: 'Assign to me' }).click();
    await page.getByText('Assigned.').waitFor();
    assert.equal(await page.locator('.facts dt:text-is("Assigned to") + dd').textContent(), 'ann');
    await page.getByLabel('Resolution category').selectOption('Fixed by analyst');
    await page.getByLabel('Resolution (required)').fill('Cleared the paper jam');
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByText('Resolved.', { exact: true }).waitFor();
    await page.getByText('Resolution (Fixed by analyst): Cleared the paper jam').waitFor();
    await check(page, '07-work-item-resolved');
    const admin = await g.signIn('admin');
    const wi = await api(g.msUrl, 'GET', `/api/v1/work-items/${incident}`, undefined, admin);
    assert.equal(wi.body.status, 'resolved');
    assert.equal(wi.body.assignedTo, 'ann');
    await page.goto(`${base}/queues/unassigned-incidents`);
    assert.equal(
      await page.getByRole('link', { name: incident, exact: true }).count(),
      0,
      'no longer unassigned',
    );
  });

  test('the work item page updates live when the item changes through the API, without a reload', async () => {
    const admin = await g.signIn('admin');
    const made = await api(
      g.msUrl,
      'POST',
      '/api/v1/work-items',
      { class: 'incident', title: 'Live one' },
      admin,
    );
    const id = made.body.displayId as string;
    await page.goto(`${base}/work-items/${id}`);
    await page.getByLabel('Comment', { exact: true }).fill('typed, not yet sent');
    await page.evaluate(() => {
      (globalThis as { __sameDocument?: number }).__sameDocument = 1;
    });
    const changed = await api(
      g.msUrl,
      'PATCH',
      `/api/v1/work-items/${id}`,
      { status: 'pending', assignedTo: 'bob' },
      admin,
    );
    assert.equal(changed.status, 200, changed.text);
    await api(g.msUrl, 'POST', `/api/v1/work-items/${id}/comments`, { body: `From the API ${EVIL}` }, admin);
    await page.locator('#live .facts .status', { hasText: 'pending' }).waitFor({ timeout: 20_000 });
    await page.locator('#live').getByText(`From the API ${EVIL}`).waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('.facts dt:text-is("Assigned to") + dd').textContent(), 'bob');
    assert.equal(
      await page.evaluate(() => (globalThis as { __sameDocument?: number }).__sameDocument),
      1,
      'not reloaded',
    );
    assert.equal(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned), undefined);
    assert.equal(await page.locator('#live .comments b').count(), 0);
    assert.equal(
      await page.getByLabel('Comment', { exact: true }).inputValue(),
      'typed, not yet sent',
      'forms are kept',
    );
    await page
      .getByRole('status')
      .filter({ hasText: /Updated at/ })
      .waitFor();
    await check(page, '08-work-item-live');
  });

  test('queues sort by a column and page; new from the form; configuration items; search', async () => {
    const admin = await g.signIn('admin');
    for (let i = 1; i <= 26; i++) {
      const r = await api(
        g.msUrl,
        'POST',
        '/api/v1/work-items',
        { class: 'incident', title: `Bulk ${i}`, priority: (i % 4) + 1 },
        admin,
      );
      assert.equal(r.status, 201, r.text);
    }
    await page.goto(`${base}/queues/incidents-by-priority`);
    await page.getByRole('link', { name: /^Priority/ }).click();
    await page.waitForURL(/sort=priority&dir=asc/);
    await page.getByRole('link', { name: /^Priority/ }).click();
    await page.waitForURL(/sort=priority&dir=desc/);
    assert.equal(await page.locator('th[aria-sort="descending"]').count(), 1);
    assert.match(
      (await page.locator('tbody tr').first().locator('td').nth(2).textContent()) ?? '',
      /^4 Low$/,
    );
    await check(page, '09-queue-sorted');
    await page.getByRole('link', { name: 'Next page' }).click();
    await page.getByText('Page 2', { exact: true }).waitFor();
    await check(page, '10-queue-page-2');

    await nav(page, 'New work item');
    await page.getByRole('heading', { name: 'New work item' }).waitFor();
    await check(page, '11-new-choices');
    await page.getByRole('link', { name: 'New incident' }).click();
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByText('Give it a title.').waitFor();
    await check(page, '12-new-form-errors');
    await page.getByLabel(/^Title/).fill('VPN drops every hour');
    await page.getByLabel('Priority').selectOption('2');
    await page.getByLabel('Affected user (user name)').fill('alice');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/\/console\/work-items\/IR\d+$/);
    const vpn = page.url().split('/').pop()!;
    await page.getByRole('heading', { name: `${vpn}: VPN drops every hour` }).waitFor();

    const ci = await api(
      g.msUrl,
      'POST',
      '/api/v1/config-items',
      { class: 'computer', name: 'LAPTOP-042', properties: { os: 'Debian' } },
      admin,
    );
    assert.equal(ci.status, 201, ci.text);
    await nav(page, 'Configuration items');
    await page.getByRole('heading', { name: 'Configuration items' }).waitFor();
    await check(page, '13-config-items');
    await page.getByRole('link', { name: 'LAPTOP-042' }).click();
    await page.getByRole('heading', { name: 'LAPTOP-042' }).waitFor();
    await check(page, '14-config-item');

    await nav(page, 'Search');
    await page.getByLabel(/^Search titles/).fill(vpn.toLowerCase());
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: vpn, exact: true }).waitFor();
    await check(page, '15-search-id');
    await page.getByLabel(/^Search titles/).fill('every hour');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('cell', { name: 'VPN drops every hour' }).waitFor();
    await page.getByLabel(/^Search titles/).fill('laptop-0');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'LAPTOP-042' }).waitFor();
    await check(page, '16-search-ci');
  });

  test('an end user gets the 403 page on every console URL', async () => {
    const routes = await consoleRouteList();
    const guarded = routes.filter((r) => r.access !== 'public');
    assert.ok(guarded.length >= 12, JSON.stringify(routes));
    const ctx = await browser.newContext();
    try {
      const p = await ctx.newPage();
      await consoleSignIn(p, g, 'alice');
      for (const r of guarded.filter((x) => x.method === 'GET')) {
        const res = await p.goto(`${g.msUrl}${concreteUrl(r.url)}`);
        assert.equal(res?.status(), 403, `GET ${r.url}`);
        await p.getByRole('heading', { name: 'You cannot open this' }).waitFor();
      }
      await check(p, '17-forbidden');
      const agent = consoleAgent(g);
      assert.equal((await agent.signIn('alice', CONSOLE_PASSWORDS.alice)).status, 303);
      const csrf = await agent.csrf('/sign-in');
      for (const r of guarded.filter((x) => x.method === 'POST')) {
        const res = await agent.post(concreteUrl(r.url).replace(/^\/console/, ''), { _csrf: csrf });
        assert.equal(res.status, 403, `POST ${r.url}`);
        assert.match(res.text, /The console is for analysts and administrators/);
      }
    } finally {
      await ctx.close();
    }
  });

  test('a missing page is the 404 page; a missing work item too', async () => {
    const none = await page.goto(`${base}/no/such/page`);
    assert.equal(none?.status(), 404);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await check(page, '18-not-found');
    const missing = await page.goto(`${base}/work-items/IR999999`);
    assert.equal(missing?.status(), 404);
  });

  test('a screenshot is not blank; console pages allow scripts from this origin only', async () => {
    assert.equal(isBlankPng(fs.readFileSync(path.join(SHOTS, '06-work-item.png'))), false);
    const res = await page.goto(`${base}/queues`);
    const csp = res?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const js = await page.goto(`${base}/static/live.js`);
    assert.match(js?.headers()['content-type'] ?? '', /^text\/javascript/);
  });

  test('a form post without the CSRF token, or with another session’s, is refused and does nothing', async () => {
    const admin = await g.signIn('admin');
    const made = await api(
      g.msUrl,
      'POST',
      '/api/v1/work-items',
      { class: 'incident', title: 'CSRF target' },
      admin,
    );
    const id = made.body.displayId as string;
    const agent = consoleAgent(g);
    assert.equal((await agent.signIn('ann', CONSOLE_PASSWORDS.ann)).status, 303);
    const count = async () =>
      (await api(g.msUrl, 'GET', '/api/v1/work-items?limit=500', undefined, admin)).body.items.length;
    const before = await count();
    const none = await agent.post(`/work-items/${id}/assign`, { me: '1' });
    assert.equal(none.status, 403);
    assert.match(none.text, /This form cannot be accepted/);
    const other = consoleAgent(g);
    const foreign = await other.csrf('/sign-in');
    assert.equal((await agent.post(`/work-items/${id}/assign`, { _csrf: foreign, me: '1' })).status, 403);
    assert.equal((await agent.post('/new/incident', { _csrf: foreign, title: 'forged' })).status, 403);
    assert.equal(await count(), before);
    const wi = await api(g.msUrl, 'GET', `/api/v1/work-items/${id}`, undefined, admin);
    assert.equal(wi.body.assignedTo, null, 'nothing assigned');
    const good = await agent.post(`/work-items/${id}/assign`, {
      _csrf: await agent.csrf(`/work-items/${id}`),
      me: '1',
    });
    assert.equal(good.status, 303);
  });

  test('a session cookie sealed with another key is not a session', async () => {
    const token = await g.signIn('ann');
    const forged = new SessionSealer(randomBytes(32), 'mg-0000000000000000', 'console').seal({
      ...anonymousSession(),
      user: { username: 'ann', role: 'analyst' },
      token,
    });
    const agent = consoleAgent(g);
    agent.cookie = `smgr_console=${forged}`;
    const r = await agent.get('/queues');
    assert.equal(r.status, 303);
    assert.match(r.location ?? '', /^\/console\/sign-in/);
  });

  test('sign-in is rate-limited: after repeated failures even the right password waits', async () => {
    const agent = consoleAgent(g);
    let last = await agent.signIn('carol', 'wrong-password');
    for (let i = 0; i < 10 && last.status !== 429; i++) last = await agent.signIn('carol', 'wrong-password');
    assert.equal(last.status, 429);
    assert.match(last.text, /Too many failed sign-ins\. Try again in \d+ seconds/);
    assert.equal((await agent.signIn('carol', CONSOLE_PASSWORDS.carol)).status, 429);
  });

  test('sign out revokes the session: the cookie of before no longer signs in', async () => {
    const before = (await annContext.cookies()).find((c) => c.name === 'smgr_console')!.value;
    await page.goto(`${base}/queues`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the console' }).waitFor();
    const agent = consoleAgent(g);
    agent.cookie = `smgr_console=${before}`;
    const r = await agent.get('/queues');
    assert.equal(r.status, 303);
    assert.match(r.location ?? '', /^\/console\/sign-in/);
  });

  test('no password, API token or session cookie in the management server log', () => {
    const logs = g.ms.logs();
    for (const pw of Object.values(CONSOLE_PASSWORDS)) assert.ok(!logs.includes(pw), 'a password in the log');
    assert.ok(!logs.includes('smgr_console='), 'a session cookie in the log');
    assert.ok(!/Bearer [A-Za-z0-9_-]{20}/.test(logs), 'a token in the log');
    assert.ok(checked.length >= 18, checked.join(', '));
  });
});
