/**
 * The browser the portal's tests use: Debian's chromium starts headless
 * through playwright-core, renders a page, axe-core runs in it, and a
 * screenshot of it is not blank.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { checkAccessibility, launchBrowser, screenshot } from '../support/browser.js';
import { tempDir } from '../support/engines.js';
import { isBlankPng } from '../support/png.js';

const root = tempDir('smgr-browser-');
after(() => fs.rmSync(root, { recursive: true, force: true }));

test('chromium renders, axe-core runs, the screenshot is not blank', async () => {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.setContent(
      '<!doctype html><html lang="en"><head><title>t</title></head><body><main><h1>Hello</h1></main></body></html>',
    );
    assert.equal(await page.textContent('h1'), 'Hello');
    assert.deepEqual(await checkAccessibility(page), []);
    const file = await screenshot(page, path.join(root, 'shots'), 'hello');
    assert.equal(isBlankPng(fs.readFileSync(file)), false);
    await page.setContent('<!doctype html><html lang="en"><head><title>t</title></head><body></body></html>');
    assert.equal(
      isBlankPng(fs.readFileSync(await screenshot(page, path.join(root, 'shots'), 'blank'))),
      true,
    );
  } finally {
    await browser.close();
  }
});
