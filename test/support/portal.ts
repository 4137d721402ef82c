/**
 * A management group with a Self-Service Portal, from the built CLI as an
 * administrator would set it up: a management server on a uniquely named
 * PostgreSQL database (so tests can read it while it runs), users, and a
 * portal computer in its own home (`smgr setup portal`, `smgr serve`).
 * `PortalAgent` is a cookie-keeping HTTP client of the portal's pages (for
 * the checks a browser cannot make: posts without a CSRF token, forged
 * cookies).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { api, runCli, type ServeHandle, startServe } from './cli.js';
import { type EngineFixture, serverFixture, tempDir } from './engines.js';
import { SERVER_HOUSEKEEPING } from './snapshot.js';

export const PORTAL_PASSWORDS = {
  admin: 'admin-pass-7c4e19',
  alice: 'alice-pass-2b8d55',
  bob: 'bob-pass-9f1a36',
  carol: 'carol-pass-4e7c21',
  ann: 'analyst-pass-6d2b90',
} as const;

/** What a sign-in writes by itself (its audit rows, tokens, throttle counts) besides the server's housekeeping. */
export const SIGN_IN_BY_PRODUCTS = [...SERVER_HOUSEKEEPING, 'audit_log', 'api_tokens', 'sign_in_throttle'];

export interface PortalGroup {
  root: string;
  engine: EngineFixture;
  databaseUrl: string;
  msHome: string;
  ms: ServeHandle;
  msUrl: string;
  file(name: string, text: string): string;
  /** Sets up a portal computer in a new home under `root`. */
  setupPortal(name: string, extra?: string[]): Promise<{ home: string; code: number | null; stderr: string }>;
  servePortal(home: string, name: string): Promise<ServeHandle>;
  signIn(user: keyof typeof PORTAL_PASSWORDS | 'ann'): Promise<string>;
  close(): Promise<void>;
}

export async function openPortalGroup(prefix: string): Promise<PortalGroup> {
  const root = tempDir(prefix);
  const engine = serverFixture();
  const databaseUrl = await engine.newDatabaseUrl();
  const msHome = path.join(root, 'ms');
  const env = { home: msHome, computerName: 'ms01' };
  const file = (name: string, text: string) => {
    const p = path.join(root, name);
    fs.writeFileSync(p, `${text}\n`, { mode: 0o600 });
    return p;
  };
  const setup = await runCli(
    [
      'setup',
      'management-server',
      '--new-database',
      '--management-group',
      'Portal Group',
      '--database',
      databaseUrl,
      '--admin-user',
      'admin',
      '--admin-password-file',
      file('admin.pw', PORTAL_PASSWORDS.admin),
    ],
    env,
  );
  assert.equal(setup.code, 0, setup.stderr);
  const ms = await startServe(env);
  const users: Array<[string, string]> = [
    ['alice', 'end-user'],
    ['bob', 'end-user'],
    ['carol', 'end-user'],
    ['ann', 'analyst'],
  ];
  for (const [name, role] of users) {
    const pw = PORTAL_PASSWORDS[name as keyof typeof PORTAL_PASSWORDS];
    const r = await runCli(
      ['user', 'add', name, '--role', role, '--password-file', file(`${name}.pw`, pw)],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
  }
  const servers: ServeHandle[] = [ms];
  return {
    root,
    engine,
    databaseUrl,
    msHome,
    ms,
    msUrl: ms.baseUrl,
    file,
    async setupPortal(name, extra = []) {
      const home = path.join(root, name);
      const r = await runCli(
        [
          'setup',
          'portal',
          '--management-server',
          ms.baseUrl,
          '--admin-user',
          'admin',
          '--admin-password-file',
          path.join(root, 'admin.pw'),
          ...extra,
        ],
        { home, computerName: name },
      );
      return { home, code: r.code, stderr: r.stderr };
    },
    async servePortal(home, name) {
      const s = await startServe({ home, computerName: name });
      servers.push(s);
      return s;
    },
    async signIn(user) {
      const r = await api(ms.baseUrl, 'POST', '/api/v1/sessions', {
        username: user,
        password: PORTAL_PASSWORDS[user],
      });
      assert.equal(r.status, 201, r.text);
      return r.body.token as string;
    },
    async close() {
      for (const s of servers.reverse()) await s.stop().catch(() => {});
      await engine.cleanup();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface PortalAnswer {
  status: number;
  location: string | null;
  text: string;
}

/** A browser-less client of the portal's pages: keeps the session cookie, follows nothing. */
export class PortalAgent {
  cookie = '';

  constructor(readonly baseUrl: string) {}

  async get(route: string): Promise<PortalAnswer> {
    return this.send('GET', route);
  }

  async post(route: string, form: Record<string, string>): Promise<PortalAnswer> {
    return this.send('POST', route, new URLSearchParams(form).toString());
  }

  /** The CSRF token of the forms on `route`. */
  async csrf(route = '/sign-in'): Promise<string> {
    const page = await this.get(route);
    const m = /name="_csrf" value="([^"]+)"/.exec(page.text);
    assert.ok(m, `no CSRF token on ${route}: ${page.status}`);
    return m[1]!;
  }

  async signIn(username: string, password: string): Promise<PortalAnswer> {
    const _csrf = await this.csrf('/sign-in');
    return this.post('/sign-in', { _csrf, username, password, next: '/' });
  }

  private async send(method: string, route: string, body?: string): Promise<PortalAnswer> {
    const res = await fetch(`${this.baseUrl}${route}`, {
      method,
      redirect: 'manual',
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body,
    });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
    return { status: res.status, location: res.headers.get('location'), text: await res.text() };
  }
}
