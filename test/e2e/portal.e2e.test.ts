/**
 * The Self-Service Portal end to end (issue 12 "What must show"): a
 * management server on PostgreSQL and a portal computer, both from the built
 * CLI; Debian's chromium driven by playwright-core. An end user signs in,
 * submits a request offering and a help request, sees both in My Requests,
 * comments; an analyst resolves the incident through the API and the user
 * sees it; another end user gets the 403 page by URL. Every page is checked
 * with axe-core (no serious or critical violation) and screenshotted under
 * dist/test-output/portal (one screenshot checked not blank). Security: a
 * post without the CSRF token is refused, HTML in a title or comment is text
 * and never runs, a cookie sealed with another portal key is refused, and
 * sign-in is rate-limited.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { anonymousSession, SessionSealer } from '../../src/portal/session-cookie.js';
import { checkAccessibility, launchBrowser, screenshot } from '../support/browser.js';
import { api, type ServeHandle } from '../support/cli.js';
import { docExample } from '../support/pack-example.js';
import { isBlankPng } from '../support/png.js';
import { openPortalGroup, PORTAL_PASSWORDS, PortalAgent, type PortalGroup } from '../support/portal.js';

const SHOTS = path.resolve('dist/test-output/portal');
const EVIL = '<script>window.__pwned = 1</script><b>bold</b>';

describe('Self-Service Portal in a browser', () => {
  let g: PortalGroup;
  let portal: ServeHandle;
  let browser: Browser;
  let alice: BrowserContext;
  let page: Page;
  let incident = '';
  let request = '';
  const checked: string[] = [];

  /** axe-core on the page as it is, and a screenshot of it. */
  const check = async (p: Page, name: string) => {
    const violations = await checkAccessibility(p);
    assert.deepEqual(violations, [], `${name}: ${JSON.stringify(violations)}`);
    await screenshot(p, SHOTS, name);
    checked.push(name);
  };

  before(async () => {
    g = await openPortalGroup('smgr-portal-e2e-');
    const setup = await g.setupPortal('web01');
    assert.equal(setup.code, 0, setup.stderr);
    portal = await g.servePortal(setup.home, 'web01');
    browser = await launchBrowser();
    alice = await browser.newContext();
    page = await alice.newPage();
  });
  after(async () => {
    await browser?.close();
    await g?.close();
  });

  test('sign in: the sign-in page, a wrong password, then the catalog', async () => {
    await page.goto(`${portal.baseUrl}/`);
    assert.match(page.url(), /\/sign-in\?next=%2F$/);
    await check(page, '01-sign-in');
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill('wrong-password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The user name or password is wrong.').waitFor();
    await check(page, '02-sign-in-wrong');
    await page.getByLabel('Password').fill(PORTAL_PASSWORDS.alice);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'How can we help?' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
    await check(page, '03-catalog');
    const cookie = (await alice.cookies()).find((c) => c.name === 'smgr_portal');
    assert.ok(cookie?.httpOnly, 'the session cookie is HttpOnly');
    assert.equal(cookie?.sameSite, 'Lax');
  });

  test('search, a request offering refused then accepted (validated on the server)', async () => {
    await page.getByLabel('Search the catalog').fill('laptop');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('heading', { name: /Results for/ }).waitFor();
    await check(page, '04-search');
    await page.getByRole('link', { name: 'New laptop' }).click();
    await page.getByRole('heading', { name: 'New laptop' }).waitFor();
    await check(page, '05-offering');
    await page.getByRole('button', { name: 'Submit request' }).click();
    await page.getByText('Please correct the answers marked below.').waitFor();
    assert.ok(await page.getByText('Model is required.').isVisible());
    await check(page, '06-offering-errors');
    await page.getByLabel('Developer 16"').check();
    await page.getByLabel('Needed by').fill('2026-12-24');
    await page.getByRole('radio', { name: 'no' }).check();
    await page.getByLabel('Notes').fill('For the new team member');
    await page.getByRole('button', { name: 'Submit request' }).click();
    await page.waitForURL(/\/requests\/SR\d+$/);
    request = page.url().split('/').pop()!;
    await page.getByText('Model: Developer 16"').waitFor();
    await check(page, '07-request');
  });

  test('a help request whose title holds HTML: shown as text, never run', async () => {
    await page.getByRole('link', { name: 'Get help' }).click();
    await page.getByRole('heading', { name: 'Ask for help' }).waitFor();
    await check(page, '08-help');
    await page.getByLabel(/What is the problem/).fill(`Printer jams ${EVIL}`);
    await page.getByLabel('Details').fill('Paper jam on floor 3');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForURL(/\/requests\/IR\d+$/);
    incident = page.url().split('/').pop()!;
    await page.getByRole('heading', { name: `${incident}: Printer jams ${EVIL}` }).waitFor();
    assert.equal(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned), undefined);
    assert.equal(await page.locator('h1 b').count(), 0, 'no element made from the title');
  });

  test('a comment with HTML is text; My Requests shows both, newest first', async () => {
    await page.getByLabel('Add a comment').fill(`Still jammed ${EVIL}`);
    await page.getByRole('button', { name: 'Add comment' }).click();
    await page.getByText(`Still jammed ${EVIL}`).waitFor();
    assert.equal(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned), undefined);
    assert.equal(await page.locator('.comments b').count(), 0);
    await page.getByText('added a comment').waitFor();
    await check(page, '09-request-commented');
    await page.getByRole('link', { name: 'My requests' }).click();
    await page.getByRole('heading', { name: 'My requests' }).waitFor();
    const ids = await page.locator('tbody tr td:first-child').allTextContents();
    assert.deepEqual(ids, [incident, request]);
    await check(page, '10-my-requests');
  });

  test('an analyst resolves the incident through the API; the user sees the new status', async () => {
    const token = await g.signIn('ann');
    const r = await api(g.msUrl, 'PATCH', `/api/v1/work-items/${incident}`, { status: 'resolved' }, token);
    assert.equal(r.status, 200, r.text);
    await page.goto(`${portal.baseUrl}/requests/${incident}`);
    assert.equal(await page.locator('.facts .status').textContent(), 'resolved');
    await page.getByText('changed the status to resolved').waitFor();
    await page.goto(`${portal.baseUrl}/requests`);
    await page.locator('tbody tr').first().getByText('resolved').waitFor();
  });

  test('My Approvals: an approval asked of the user is answered with a comment', async () => {
    const token = await g.signIn('ann');
    const ask = await api(
      g.msUrl,
      'POST',
      `/api/v1/work-items/${request}/approvals`,
      { approver: 'alice', title: 'Approve the laptop budget' },
      token,
    );
    assert.equal(ask.status, 201, ask.text);
    await page.getByRole('link', { name: 'My approvals' }).click();
    await page.getByRole('heading', { name: 'Approve the laptop budget' }).waitFor();
    await check(page, '11-approvals');
    await page.getByLabel('Comment').fill('Within budget');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('Approved.').waitFor();
    const answered = await api(g.msUrl, 'GET', `/api/v1/approvals/${ask.body.id}`, undefined, token);
    assert.equal(answered.body.status, 'approved');
    assert.equal(answered.body.comment, 'Within budget');
  });

  test('My Requests is paged, newest first', async () => {
    const token = await g.signIn('alice');
    for (let i = 1; i <= 21; i++) {
      const r = await api(
        g.msUrl,
        'POST',
        '/api/v1/work-items',
        { class: 'incident', title: `Bulk ${i}` },
        token,
      );
      assert.equal(r.status, 201, r.text);
    }
    await page.goto(`${portal.baseUrl}/requests`);
    const first = await page.locator('tbody tr td:first-child').allTextContents();
    assert.equal(first.length, 20);
    assert.equal(await page.locator('tbody tr').first().locator('td').nth(1).textContent(), 'Bulk 21');
    await page.getByRole('link', { name: 'Older requests' }).click();
    const second = await page.locator('tbody tr td:first-child').allTextContents();
    assert.ok(second.length >= 1);
    const num = (id: string) => Number(id.replace(/^\D+/, ''));
    assert.ok(num(second[0]!) < num(first.at(-1)!), 'the second page holds older requests');
    assert.ok(second.includes(request) && second.includes(incident));
    const all = [...first, ...second];
    assert.deepEqual(
      [...all].sort((a, b) => num(b) - num(a)),
      all,
      'newest first across pages',
    );
    await check(page, '10b-my-requests-page-2');
  });

  test("another end user gets the 403 page for the first user's request, and for a missing one", async () => {
    const bob = await browser.newContext();
    try {
      const p = await bob.newPage();
      await p.goto(`${portal.baseUrl}/sign-in`);
      await p.getByLabel('User name').fill('bob');
      await p.getByLabel('Password').fill(PORTAL_PASSWORDS.bob);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('heading', { name: 'How can we help?' }).waitFor();
      const res = await p.goto(`${portal.baseUrl}/requests/${incident}`);
      assert.equal(res?.status(), 403);
      await p.getByRole('heading', { name: 'You cannot open this' }).waitFor();
      assert.ok(!(await p.content()).includes('Printer jams'), 'nothing of the request shows');
      await check(p, '12-forbidden');
      const missing = await p.goto(`${portal.baseUrl}/requests/IR999999`);
      assert.equal(missing?.status(), 403, 'a missing request looks the same');
      const none = await p.goto(`${portal.baseUrl}/no/such/page`);
      assert.equal(none?.status(), 404);
      await p.getByRole('heading', { name: 'Page not found' }).waitFor();
      await check(p, '13-not-found');
      await p.goto(`${portal.baseUrl}/requests`);
      assert.equal(await p.locator('tbody tr').count(), 0);
      await p.getByText('You have no requests yet.').waitFor();
    } finally {
      await bob.close();
    }
  });

  test("the docs' example pack imported: its request offering submitted from the portal, seen in My Requests", async () => {
    const admin = await g.signIn('admin');
    const imported = await api(g.msUrl, 'POST', '/api/v1/management-packs', docExample(), admin);
    assert.equal(imported.status, 201, imported.text);
    const bob = await browser.newContext();
    try {
      const p = await bob.newPage();
      await p.goto(`${portal.baseUrl}/sign-in`);
      await p.getByLabel('User name').fill('bob');
      await p.getByLabel('Password').fill(PORTAL_PASSWORDS.bob);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('heading', { name: 'How can we help?' }).waitFor();
      await p.getByRole('heading', { name: 'Workplace' }).waitFor();
      assert.equal(
        await p.getByRole('link', { name: 'Install software' }).count(),
        0,
        'the built-in catalog is gone',
      );
      await check(p, '15-pack-catalog');
      await p.getByRole('link', { name: 'New laptop' }).click();
      await p.getByRole('heading', { name: 'New laptop' }).waitFor();
      await p.getByRole('button', { name: 'Submit request' }).click();
      await p.getByText('Which model? is required.').waitFor();
      await check(p, '16-pack-offering-errors');
      await p.getByLabel('MacBook Pro 14').check();
      await p.getByLabel('Cost centre').fill('CC-42');
      await p.getByLabel('Why do you need it?').fill('Mine is five years old');
      await p.getByRole('button', { name: 'Submit request' }).click();
      await p.waitForURL(/\/requests\/SR\d+$/);
      const id = p.url().split('/').pop()!;
      await p.getByText('Mine is five years old').waitFor();
      await p.getByRole('link', { name: 'My requests' }).click();
      await p.getByRole('heading', { name: 'My requests' }).waitFor();
      assert.deepEqual(await p.locator('tbody tr td:first-child').allTextContents(), [id]);
      const wi = await api(g.msUrl, 'GET', `/api/v1/work-items/${id}`, undefined, admin);
      assert.equal(wi.body.affectedUser, 'bob');
      assert.equal(wi.body.priority, 4, "the template's priority");
      assert.equal(
        wi.body.properties['contoso.servicedesk.laptop-model'],
        'contoso.servicedesk.laptop-models.mbp14',
      );
      assert.equal(wi.body.properties['contoso.servicedesk.cost-centre'], 'CC-42');
    } finally {
      await bob.close();
    }
  });

  test('a screenshot of the catalog is not blank', () => {
    const png = fs.readFileSync(path.join(SHOTS, '03-catalog.png'));
    assert.equal(isBlankPng(png), false);
  });

  test('every page answers with a Content-Security-Policy that allows no script', async () => {
    const res = await page.goto(`${portal.baseUrl}/`);
    const csp = res?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /script-src/);
  });

  test('a form post without the CSRF token, or with another session’s, is refused and does nothing', async () => {
    const agent = new PortalAgent(portal.baseUrl);
    assert.equal((await agent.signIn('alice', PORTAL_PASSWORDS.alice)).status, 303);
    const token = await g.signIn('alice');
    const count = async () =>
      (await api(g.msUrl, 'GET', '/api/v1/work-items?limit=500', undefined, token)).body.items.length;
    const before = await count();
    const none = await agent.post('/help', { title: 'no token', description: '' });
    assert.equal(none.status, 403);
    assert.match(none.text, /This form cannot be accepted/);
    const other = new PortalAgent(portal.baseUrl);
    const foreign = await other.csrf('/sign-in');
    assert.equal((await agent.post('/help', { _csrf: foreign, title: 'wrong token' })).status, 403);
    assert.equal(await count(), before);
    const good = await agent.post('/help', { _csrf: await agent.csrf('/help'), title: 'with the token' });
    assert.equal(good.status, 303);
    assert.equal(await count(), before + 1);
  });

  test('a session cookie sealed with another portal key is refused', async () => {
    const token = await g.signIn('alice');
    const forged = new SessionSealer(randomBytes(32), 'portal-0000000000000000').seal({
      ...anonymousSession(),
      user: { username: 'alice', role: 'end-user' },
      token,
    });
    const agent = new PortalAgent(portal.baseUrl);
    agent.cookie = `smgr_portal=${forged}`;
    const r = await agent.get('/requests');
    assert.equal(r.status, 303);
    assert.match(r.location ?? '', /^\/sign-in/);
  });

  test('sign-in is rate-limited: after repeated failures even the right password waits', async () => {
    const agent = new PortalAgent(portal.baseUrl);
    let last = await agent.signIn('carol', 'wrong-password');
    for (let i = 0; i < 10 && last.status !== 429; i++) last = await agent.signIn('carol', 'wrong-password');
    assert.equal(last.status, 429);
    assert.match(last.text, /Too many failed sign-ins\. Try again in \d+ seconds/);
    const right = await agent.signIn('carol', PORTAL_PASSWORDS.carol);
    assert.equal(right.status, 429);
  });

  test('sign out revokes the session: the cookie of before no longer signs in', async () => {
    const before = (await alice.cookies()).find((c) => c.name === 'smgr_portal')!.value;
    await page.goto(`${portal.baseUrl}/`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const agent = new PortalAgent(portal.baseUrl);
    agent.cookie = `smgr_portal=${before}`;
    const r = await agent.get('/requests');
    assert.equal(r.status, 303);
    assert.match(r.location ?? '', /^\/sign-in/);
  });

  test('no password, API token or session cookie in the portal log', () => {
    const logs = portal.logs();
    for (const pw of Object.values(PORTAL_PASSWORDS)) assert.ok(!logs.includes(pw), 'a password in the log');
    assert.ok(!logs.includes('smgr_portal='), 'a session cookie in the log');
    assert.ok(!/Bearer|"token"/.test(logs), 'a token in the log');
  });

  test('the management server unreachable: a page saying so, no stack trace', async () => {
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill(PORTAL_PASSWORDS.alice);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'How can we help?' }).waitFor();
    await g.ms.stop();
    const res = await page.goto(`${portal.baseUrl}/requests`);
    assert.equal(res?.status(), 503);
    await page.getByRole('heading', { name: 'The service desk cannot be reached' }).waitFor();
    const html = await page.content();
    assert.doesNotMatch(html, /at \w+ \(|Error:|ECONNREFUSED/);
    await check(page, '14-unreachable');
    assert.ok(checked.length >= 16);
  });
});
