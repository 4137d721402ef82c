/**
 * The web console's browser tests: the console lives on the management
 * server, so a console group is the portal tests' group (openPortalGroup: a
 * management server from the built CLI on PostgreSQL, with the administrator
 * `admin`, the analyst `ann` and the end users alice, bob and carol), and
 * `consoleAgent` is the portal's cookie-keeping client pointed at /console.
 * `consoleRouteList` answers every console route (method, URL, access) as
 * the built app declares them, for the "403 on every URL" checks.
 */
import type { Page } from 'playwright-core';
import { consoleRoutes } from '../../src/console/console-app.js';
import { openApiFixture } from './api-fixture.js';
import { embeddedFixture } from './engines.js';
import { openPortalGroup, PORTAL_PASSWORDS, PortalAgent, type PortalGroup } from './portal.js';

export type ConsoleGroup = PortalGroup;
export const CONSOLE_PASSWORDS = PORTAL_PASSWORDS;
export const openConsoleGroup = (prefix: string): Promise<ConsoleGroup> => openPortalGroup(prefix);

export const consoleAgent = (g: ConsoleGroup) => new PortalAgent(`${g.msUrl}/console`);

/** Every console route of the built app (an in-process app on an embedded database, closed again). */
export async function consoleRouteList(): Promise<Array<{ method: string; url: string; access: string }>> {
  const fx = await openApiFixture(embeddedFixture);
  try {
    return [...consoleRoutes(fx.app)];
  } finally {
    await fx.close();
  }
}

/** A concrete URL for a route pattern (":ref" → IR1, any other ":x" → 1, "*" → x). */
export const concreteUrl = (url: string) =>
  url
    .replace(/:ref\b/g, 'IR1')
    .replace(/:[A-Za-z]+/g, '1')
    .replace(/\*/g, 'x');

/** Signs in on the console's sign-in page in `page`, and waits for the console's home. */
export async function consoleSignIn(page: Page, g: ConsoleGroup, user: keyof typeof PORTAL_PASSWORDS) {
  await page.goto(`${g.msUrl}/console/sign-in`);
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(PORTAL_PASSWORDS[user]);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.endsWith('/sign-in'));
}
