/**
 * The console's administrator pages and recovery dashboard end to end
 * (issue 14 items 2-4, "What must show"): a management server on
 * PostgreSQL from the built CLI, Debian's chromium driven by
 * playwright-core. An administrator imports an unsealed pack from a file
 * and sees its list in the incident form; creates a Run As account and
 * tests its credentials (the secret never on a page); sees the servers and
 * the lease. The dashboard answers "no" for a group whose key was never
 * backed up and "yes" after `smgr key backup` (the real CLI), without a
 * reload. An analyst and an end user get the 403 page on every admin URL.
 * HTML in a pack name and a display name shows as text; posts without the
 * CSRF token are refused and change nothing. axe-core on every page (no
 * serious or critical violation); screenshots under
 * dist/test-output/console-admin.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { checkAccessibility, launchBrowser, screenshot } from '../support/browser.js';
import { api, runCli } from '../support/cli.js';
import { consoleSignIn } from '../support/console.js';
import { docExample } from '../support/pack-example.js';
import { isBlankPng } from '../support/png.js';
import {
  openPortalGroup,
  PORTAL_PASSWORDS,
  PortalAgent,
  type PortalGroup,
  SIGN_IN_BY_PRODUCTS,
} from '../support/portal.js';
import { dumpDatabaseAt } from '../support/snapshot.js';

const SHOTS = path.resolve('dist/test-output/console-admin');
const EVIL = '<script>window.__pwned = 1</script><b>bold</b>';
const SIGN_IN = '/console/sign-in';

const ADMIN_GETS = [
  '/console/admin',
  '/console/admin/users',
  '/console/admin/run-as',
  '/console/admin/packs',
  '/console/admin/packs/smgr.workitems/export',
  '/console/admin/packs/smgr.workitems/remove',
  '/console/admin/servers',
  '/console/admin/servers/ms01/promote',
  '/console/recovery',
  '/console/recovery/live',
];
const ADMIN_POSTS = [
  '/console/admin/users',
  '/console/admin/users/admin',
  '/console/admin/run-as',
  '/console/admin/run-as/00000000-0000-4000-8000-000000000000/test',
  '/console/admin/packs',
  '/console/admin/packs/smgr.workitems/remove',
  '/console/admin/servers/ms01/promote',
];

describe('console: administrator pages and the recovery dashboard in a browser', () => {
  let g: PortalGroup;
  let browser: Browser;
  let adminCtx: BrowserContext;
  let page: Page;
  const env = () => ({ home: g.msHome, computerName: 'ms01' });

  const check = async (p: Page, name: string) => {
    const violations = await checkAccessibility(p);
    assert.deepEqual(violations, [], `${name}: ${JSON.stringify(violations)}`);
    await screenshot(p, SHOTS, name);
  };

  const signIn = (p: Page, user: keyof typeof PORTAL_PASSWORDS) => consoleSignIn(p, g, user);

  before(async () => {
    g = await openPortalGroup('smgr-console-admin-e2e-');
    // Evidence for readiness, so that only the key backup keeps it at "no": an archive and a drill of it.
    const b = await runCli(['backup', 'create'], env());
    assert.equal(b.code, 0, b.stderr);
    const d = await runCli(['drill', '--json'], env());
    assert.equal(d.code, 0, d.stdout + d.stderr);
    browser = await launchBrowser();
    adminCtx = await browser.newContext({ acceptDownloads: true });
    page = await adminCtx.newPage();
    await signIn(page, 'admin');
  });
  after(async () => {
    await browser?.close();
    await g?.close();
  });

  test('the dashboard answers "no" for a key never backed up, then "yes" after smgr key backup, without a reload', async () => {
    await page.goto(`${g.msUrl}/console/recovery`);
    await page.getByRole('heading', { name: 'Recovery dashboard' }).waitFor();
    assert.equal(await page.locator('#readiness-answer').textContent(), 'No');
    const step = (await page.locator('#runbook-step').textContent()) ?? '';
    assert.match(step, /The key of ms01 .* was never backed up\. Run smgr key backup on ms01/);
    assert.match((await page.locator('#doctor-result').textContent()) ?? '', /Passed/);
    assert.equal((await page.locator('svg.chart circle').count()) > 0, true, 'the drill is on the timeline');
    await check(page, '01-recovery-no');
    await page.evaluate(() => {
      (globalThis as { __sameDocument?: boolean }).__sameDocument = true;
    });
    const keyFile = path.join(g.root, 'ms01.keys.age');
    const r = await runCli(
      ['key', 'backup', '--file', keyFile, '--password-file', g.file('key.pass', 'key-backup-pass-9d1e')],
      env(),
    );
    assert.equal(r.code, 0, r.stderr);
    await page.locator('#readiness-answer', { hasText: 'Yes' }).waitFor({ timeout: 60_000 });
    assert.equal(
      await page.evaluate(() => (globalThis as { __sameDocument?: boolean }).__sameDocument),
      true,
      'the page was not reloaded',
    );
    assert.match((await page.locator('#runbook-step').textContent()) ?? '', /Nothing: every check holds/);
    await check(page, '02-recovery-yes');
  });

  test('an unsealed pack imported from a file; its list in the incident form; its name with HTML is text', async () => {
    const pack = docExample();
    pack.name = `Contoso ${EVIL}`;
    const file = g.file('contoso.json', JSON.stringify(pack, null, 2));
    await page.goto(`${g.msUrl}/console/admin/packs`);
    await check(page, '03-packs');
    await page.getByLabel(/Pack file/).setInputFiles(file);
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByText('Management pack contoso.servicedesk was imported.').waitFor();
    const row = page.locator('tbody tr', { hasText: 'contoso.servicedesk' });
    assert.equal(await row.locator('td').nth(1).textContent(), `Contoso ${EVIL}`);
    assert.equal(await row.locator('td').nth(3).textContent(), 'unsealed');
    assert.equal(await page.locator('tbody b').count(), 0, 'no element made from the name');
    assert.equal(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned), undefined);
    await check(page, '04-packs-imported');
    // Export gives back the document.
    const download = page.waitForEvent('download');
    await row.getByRole('link', { name: /Export/ }).click();
    const saved = await (await download).path();
    assert.equal(JSON.parse(fs.readFileSync(saved, 'utf8')).id, 'contoso.servicedesk');
    // The analyst pages' new work item form: the pack's template, with its value from the pack's list.
    await page.goto(`${g.msUrl}/console/new`);
    await page.getByRole('link', { name: 'Printer jam' }).click();
    await page.getByRole('heading', { name: 'Printer jam' }).waitFor();
    const facts = (await page.locator('form dl.facts').textContent()) ?? '';
    assert.match(facts, /Classification\s*Printer/, facts);
    // The pack's list is a drop-down of its items, the template's item chosen; another is taken.
    const classification = page.getByLabel(/^Classification/);
    const options = (await classification.locator('option').allTextContents()).map((o) => o.trim());
    assert.deepEqual(options, ['none', 'Hardware', 'Printer', 'Laptop', 'Network', 'Other']);
    assert.equal(
      await classification.inputValue(),
      JSON.stringify('contoso.servicedesk.incident-classification.printer'),
    );
    await check(page, '05-incident-form-with-pack-list');
    await classification.selectOption({ label: 'Network' });
    await page.getByLabel(/^Title/).fill('Switch down in London');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: /Switch down in London/ }).waitFor();
    const created = (await page.locator('main').textContent()) ?? '';
    assert.match(created, /Classification\s*Network/, created);
  });

  test('removing a pack asks first; a refused import changes nothing and says why', async () => {
    await page.goto(`${g.msUrl}/console/admin/packs`);
    await page
      .locator('tbody tr', { hasText: 'contoso.servicedesk' })
      .getByRole('link', { name: /Remove/ })
      .click();
    await page.getByRole('heading', { name: /Remove management pack contoso.servicedesk\?/ }).waitFor();
    await check(page, '06-pack-remove-confirm');
    await page.getByRole('button', { name: 'Remove contoso.servicedesk' }).click();
    await page.getByText(/Management pack contoso.servicedesk was removed/).waitFor();
    const dump = await dumpDatabaseAt(g.databaseUrl, SIGN_IN_BY_PRODUCTS);
    await page.getByLabel(/Pack file/).setInputFiles(g.file('bad.json', '{"format": "nope"}'));
    await page.getByRole('button', { name: 'Import' }).click();
    await page
      .getByRole('alert')
      .getByText(/not valid|invalid/i)
      .waitFor();
    await check(page, '07-pack-refused');
    assert.equal(await dumpDatabaseAt(g.databaseUrl, SIGN_IN_BY_PRODUCTS), dump);
  });

  test('users: add one whose display name holds HTML (shown as text), change a role', async () => {
    await page.goto(`${g.msUrl}/console/admin/users`);
    await check(page, '08-users');
    await page.getByLabel('User name', { exact: true }).fill('dave');
    await page.getByLabel('Display name').fill(`Dave ${EVIL}`);
    await page.locator('#new-role').selectOption('analyst');
    await page.getByLabel(/^Password/).fill('dave-pass-3c9a71');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByText('User dave was added.').waitFor();
    const row = page.locator('tbody tr', { hasText: 'dave' });
    assert.equal(await row.locator('td').nth(1).textContent(), `Dave ${EVIL}`);
    assert.equal(await page.locator('tbody b').count(), 0);
    await row.getByLabel('Role of dave').selectOption('end-user');
    await row.getByRole('button', { name: /Save/ }).click();
    await page.getByText('User dave was saved.').waitFor();
    assert.equal(
      await page.locator('tbody tr', { hasText: 'dave' }).locator('td').nth(2).textContent(),
      'end-user',
    );
    // The last administrator cannot lose the role: refused, with the registry's words.
    await page
      .locator('tbody tr', { hasText: 'admin' })
      .first()
      .getByLabel('Role of admin')
      .selectOption('analyst');
    await page
      .locator('tbody tr', { hasText: 'admin' })
      .first()
      .getByRole('button', { name: /Save/ })
      .click();
    await page.getByRole('alert').waitFor();
    await check(page, '09-users-refused');
  });

  test('Run As: create, test a right and a wrong password; the secret is never on a page', async () => {
    const secret = 'runas-secret-7f3e9b21';
    await page.goto(`${g.msUrl}/console/admin/run-as`);
    await check(page, '10-run-as-empty');
    await page.getByLabel('Name', { exact: true }).fill('SQL reader');
    await page.getByLabel('User name', { exact: true }).fill('CONTOSO\\sqlreader');
    await page.getByLabel('Password', { exact: true }).fill(secret);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText(/Run As account SQL reader was created/).waitFor();
    assert.ok(!(await page.content()).includes(secret));
    await page.getByLabel('Password to test for SQL reader').fill(secret);
    await page.getByRole('button', { name: /Test/ }).click();
    await page.getByText('The password matches the one sealed for SQL reader.').waitFor();
    assert.ok(!(await page.content()).includes(secret));
    await check(page, '11-run-as-matches');
    await page.getByLabel('Password to test for SQL reader').fill('wrong-one');
    await page.getByRole('button', { name: /Test/ }).click();
    await page.getByText('The password does not match the one sealed for SQL reader.').waitFor();
    assert.ok(!(await page.content()).includes('wrong-one'));
    await check(page, '12-run-as-mismatch');
  });

  test('servers: every part with liveness and role, the lease holder and token; promote asks first', async () => {
    await page.goto(`${g.msUrl}/console/admin/servers`);
    const row = page.locator('tbody tr', { hasText: 'ms01' });
    assert.match((await row.textContent()) ?? '', /management-server.*workflow \(holds the lease\).*alive/s);
    assert.match((await page.locator('#lease').textContent()) ?? '', /ms01/);
    await check(page, '13-servers');
    // The holder has no promote link; its promote URL says it already holds the lease.
    assert.equal(await row.getByRole('link', { name: /Promote/ }).count(), 0);
    await page.goto(`${g.msUrl}/console/admin/servers/ms01/promote`);
    await page.getByRole('heading', { name: /Promote ms01/ }).waitFor();
    await page.getByRole('button', { name: 'Promote ms01' }).click();
    await page
      .getByRole('alert')
      .getByText(/already/)
      .waitFor();
    await check(page, '14-promote-refused');
  });

  test('an analyst and an end user get the 403 page on every admin URL, GET and POST, and nothing changes', async () => {
    const dump = await dumpDatabaseAt(g.databaseUrl, SIGN_IN_BY_PRODUCTS);
    for (const user of ['ann', 'alice'] as const) {
      const ctx = await browser.newContext();
      try {
        const p = await ctx.newPage();
        await signIn(p, user);
        for (const url of ADMIN_GETS) {
          const res = await p.goto(`${g.msUrl}${url}`);
          assert.equal(res?.status(), 403, `${user} GET ${url}`);
        }
        await check(p, `15-forbidden-${user}`);
        const agent = new PortalAgent(g.msUrl);
        const csrf = await agent.csrf(SIGN_IN);
        await agent.post(SIGN_IN, {
          _csrf: csrf,
          username: user,
          password: PORTAL_PASSWORDS[user],
          next: '/console',
        });
        const token = await agent.csrf('/console/');
        for (const url of ADMIN_POSTS) {
          const res = await agent.post(url, {
            _csrf: token,
            name: 'x',
            username: 'x',
            password: 'x'.repeat(12),
          });
          assert.equal(res.status, 403, `${user} POST ${url}`);
        }
      } finally {
        await ctx.close();
      }
    }
    assert.equal(await dumpDatabaseAt(g.databaseUrl, SIGN_IN_BY_PRODUCTS), dump);
  });

  test('a post without the CSRF token, or with another session’s, is refused and changes nothing', async () => {
    const agent = new PortalAgent(g.msUrl);
    const csrf = await agent.csrf(SIGN_IN);
    await agent.post(SIGN_IN, {
      _csrf: csrf,
      username: 'admin',
      password: PORTAL_PASSWORDS.admin,
      next: '/console',
    });
    const count = async () =>
      (await api(g.msUrl, 'GET', '/api/v1/run-as-accounts', undefined, await g.signIn('admin'))).body.items
        .length;
    const before = await count();
    const none = await agent.post('/console/admin/run-as', {
      name: 'no token',
      username: 'u',
      password: 'p',
    });
    assert.equal(none.status, 403);
    const other = new PortalAgent(g.msUrl);
    const foreign = await other.csrf(SIGN_IN);
    const wrong = await agent.post('/console/admin/run-as', {
      _csrf: foreign,
      name: 'wrong',
      username: 'u',
      password: 'p',
    });
    assert.equal(wrong.status, 403);
    assert.equal(await count(), before);
    const good = await agent.post('/console/admin/run-as', {
      _csrf: await agent.csrf('/console/admin/run-as'),
      name: 'with token',
      username: 'u',
      password: 'p',
    });
    assert.equal(good.status, 303);
    assert.equal(await count(), before + 1);
  });

  test('a screenshot is not blank', () => {
    assert.equal(isBlankPng(fs.readFileSync(path.join(SHOTS, '02-recovery-yes.png'))), false);
  });
});
