/**
 * Bad input of every kind, on both engines: unknown fields, wrong types,
 * out-of-range values, missing fields, malformed and empty JSON, prototype
 * poisoning, bodies over 1 MiB, wrong content types, text the database
 * cannot store, deep nesting, bad limits and cursors, unknown query
 * parameters, unknown and malformed ids. Each gets its 4xx with
 * `{error, message, remedy}` (never 500, never a stack), and the database is
 * unchanged afterwards. An unexpected failure is 500 INTERNAL with a generic
 * message, logged without the secrets the failing driver carried.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { type ApiFixture, countRows, expectError, openApiFixture } from '../../test/support/api-fixture.js';
import { ENGINES } from '../../test/support/engines.js';
import type { Database } from '../db/database.js';
import { buildApp } from './build-app.js';
import { encodeCursor } from './pagination.js';

interface Case {
  name: string;
  req: InjectOptions;
  status: number;
  code: string;
}

const json = { 'content-type': 'application/json' };
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

function cases(ids: { wi: number; ci: number; ra: string }): Case[] {
  const wi = '/api/v1/work-items';
  const ci = '/api/v1/config-items';
  const ra = '/api/v1/run-as-accounts';
  const good = { class: 'incident', title: 'ok' };
  const c: Case[] = [];
  const post = (name: string, url: string, payload: unknown, status = 400, code = 'VALIDATION') =>
    c.push({ name, req: { method: 'POST', url, payload: payload as object }, status, code });
  const patch = (name: string, url: string, payload: unknown, status = 400, code = 'VALIDATION') =>
    c.push({ name, req: { method: 'PATCH', url, payload: payload as object }, status, code });
  const raw = (
    name: string,
    method: 'POST' | 'PATCH',
    url: string,
    body: string,
    headers: object,
    status: number,
    code: string,
  ) =>
    c.push({
      name,
      req: { method, url, payload: body, headers: headers as Record<string, string> },
      status,
      code,
    });
  const get = (name: string, url: string, status = 400, code = 'VALIDATION') =>
    c.push({ name, req: { method: 'GET', url }, status, code });

  // --- work items: body schema
  post('unknown field', wi, { ...good, severity: 1 });
  post('title of the wrong type', wi, { class: 'incident', title: 42 });
  post('priority as a string', wi, { ...good, priority: '2' });
  post('priority not an integer', wi, { ...good, priority: 2.5 });
  post('priority below 1', wi, { ...good, priority: 0 });
  post('priority above 4', wi, { ...good, priority: 5 });
  post('unknown class', wi, { class: 'problem', title: 'x' });
  post('unknown status', wi, { ...good, status: 'open' });
  post('properties an array', wi, { ...good, properties: [1, 2] });
  post('properties a string', wi, { ...good, properties: 'x' });
  post('description a number', wi, { ...good, description: 5 });
  post('missing title', wi, { class: 'incident' });
  post('empty title', wi, { class: 'incident', title: '' });
  post('title too long', wi, { class: 'incident', title: 'x'.repeat(501) });
  post('empty object', wi, {});
  post('a JSON array', wi, [good]);
  raw('JSON null', 'POST', wi, 'null', json, 400, 'VALIDATION');
  raw('a JSON string', 'POST', wi, '"incident"', json, 400, 'VALIDATION');
  c.push({ name: 'no body at all', req: { method: 'POST', url: wi }, status: 400, code: 'VALIDATION' });
  post('NUL in a text field', wi, { class: 'incident', title: 'a\u0000b' });
  post('NUL in properties', wi, { ...good, properties: { k: 'a\u0000b' } });
  raw(
    'unpaired surrogate in properties',
    'POST',
    wi,
    '{"class":"incident","title":"x","properties":{"k":"\\ud800"}}',
    json,
    400,
    'VALIDATION',
  );
  raw(
    'properties nested too deep',
    'POST',
    wi,
    `{"class":"incident","title":"x","properties":${nested(40)}}`,
    json,
    400,
    'VALIDATION',
  );
  raw(
    'properties nested 100000 deep',
    'POST',
    wi,
    `{"class":"incident","title":"x","properties":${nested(100_000)}}`,
    json,
    400,
    'VALIDATION',
  );
  // --- work items: the body as such
  raw('malformed JSON', 'POST', wi, '{"class":"incident","title":', json, 400, 'MALFORMED_JSON');
  raw('trailing garbage', 'POST', wi, '{"class":"incident","title":"x"} x', json, 400, 'MALFORMED_JSON');
  raw('empty JSON body', 'POST', wi, '', json, 400, 'MALFORMED_JSON');
  raw(
    'prototype poisoning',
    'POST',
    wi,
    '{"class":"incident","title":"x","__proto__":{"admin":true}}',
    json,
    400,
    'MALFORMED_JSON',
  );
  raw(
    'body over 1 MiB',
    'POST',
    wi,
    JSON.stringify({ ...good, description: 'x'.repeat(1024 * 1024) }),
    json,
    413,
    'BODY_TOO_LARGE',
  );
  raw(
    'text/plain',
    'POST',
    wi,
    JSON.stringify(good),
    { 'content-type': 'text/plain' },
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  );
  raw(
    'form-encoded',
    'POST',
    wi,
    'class=incident&title=x',
    { 'content-type': 'application/x-www-form-urlencoded' },
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  );
  raw(
    'xml',
    'PATCH',
    `${wi}/${ids.wi}`,
    '<title>x</title>',
    { 'content-type': 'application/xml' },
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  );
  // --- work items: patch
  patch('empty patch', `${wi}/${ids.wi}`, {});
  patch('patching class', `${wi}/${ids.wi}`, { class: 'service-request' });
  patch('title null', `${wi}/${ids.wi}`, { title: null });
  patch('unknown field in a patch', `${wi}/${ids.wi}`, { title: 'x', displayId: 'IR1' });
  patch('status of the wrong type', `${wi}/${ids.wi}`, { status: 1 });
  // --- ids
  get('unknown work item', `${wi}/987654`, 404, 'NOT_FOUND');
  get('work item id neither a number nor a display id', `${wi}/IR-1`, 404, 'NOT_FOUND');
  get('unknown display id', `${wi}/IR987654`, 404, 'NOT_FOUND');
  get('work item id too large', `${wi}/${'9'.repeat(30)}`, 404, 'NOT_FOUND');
  patch('patch of an unknown work item', `${wi}/987654`, { title: 'x' }, 404, 'NOT_FOUND');
  patch('patch of a non-numeric id', `${wi}/abc`, { title: 'x' }, 404, 'NOT_FOUND');
  get('unknown config item', `${ci}/987654`, 404, 'NOT_FOUND');
  get('config item id not a number', `${ci}/srv-01`, 404, 'NOT_FOUND');
  get('unknown Run As account', `${ra}/6a2f41a3-c54c-4fa7-9d1e-2b0c0c0c0c0c`, 404, 'NOT_FOUND');
  get('Run As id not a uuid', `${ra}/12`, 404, 'NOT_FOUND');
  post('verify of a non-uuid', `${ra}/zzz/verify`, { password: 'x' }, 404, 'NOT_FOUND');
  // --- lists
  get('limit 0', `${wi}?limit=0`);
  get('limit 501', `${wi}?limit=501`);
  get('limit not a number', `${wi}?limit=ten`);
  get('limit negative', `${wi}?limit=-1`);
  get('limit fractional', `${wi}?limit=1.5`);
  get('limit repeated', `${wi}?limit=1&limit=2`);
  get('cursor with bad characters', `${wi}?cursor=a%2Fb`);
  get('cursor that is not ours', `${wi}?cursor=${Buffer.from('hello').toString('base64url')}`);
  get('cursor of another list', `${wi}?cursor=${encodeCursor('config-items', '1')}`);
  get('cursor with a non-numeric key', `${wi}?cursor=${encodeCursor('work-items', 'abc')}`);
  get('cursor not canonical', `${wi}?cursor=${encodeCursor('work-items', '1')}A`);
  get('empty cursor', `${wi}?cursor=`);
  get('unknown query parameter', `${wi}?sort=title`);
  get('unknown class filter', `${wi}?class=problem`);
  get('unknown status filter', `${wi}?status=open`);
  get('class filter repeated', `${wi}?class=incident&class=incident`);
  get('config item limit 1000', `${ci}?limit=1000`);
  get('config item unknown class', `${ci}?class=printer`);
  get('Run As cursor of another list', `${ra}?cursor=${encodeCursor('work-items', '1')}`);
  // --- config items
  post('config item unknown class', ci, { class: 'printer', name: 'p' });
  post('config item missing name', ci, { class: 'computer' });
  post('config item unknown field', ci, { class: 'computer', name: 'p', owner: 'me' });
  post('config item properties null', ci, { class: 'computer', name: 'p', properties: null });
  patch('config item empty patch', `${ci}/${ids.ci}`, {});
  patch('config item class patch', `${ci}/${ids.ci}`, { class: 'user' });
  patch('config item name a number', `${ci}/${ids.ci}`, { name: 7 });
  raw('config item malformed JSON', 'PATCH', `${ci}/${ids.ci}`, '{name:"x"}', json, 400, 'MALFORMED_JSON');
  // --- Run As accounts
  post('Run As missing password', ra, { name: 'n', username: 'u' });
  post('Run As password a number', ra, { name: 'n', username: 'u', password: 12345678 });
  post('Run As empty password', ra, { name: 'n', username: 'u', password: '' });
  post('Run As unknown field', ra, { name: 'n', username: 'u', password: 'p', domain: 'corp' });
  post('verify missing password', `${ra}/${ids.ra}/verify`, {});
  post('verify unknown field', `${ra}/${ids.ra}/verify`, { password: 'p', hint: 'x' });
  raw(
    'verify text/plain',
    'POST',
    `${ra}/${ids.ra}/verify`,
    'p',
    { 'content-type': 'text/plain' },
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  );
  return c;
}

for (const makeEngine of ENGINES) {
  describe(`bad input (${makeEngine().name})`, () => {
    let fx: ApiFixture;
    let headers: Record<string, string>;
    let ids: { wi: number; ci: number; ra: string };
    before(async () => {
      fx = await openApiFixture(makeEngine);
      headers = fx.auth(await fx.login());
      const inject = async (url: string, payload: object) => {
        const res = await fx.app.inject({ method: 'POST', url, headers, payload });
        assert.equal(res.statusCode, 201, res.body);
        return res.json<{ id: number & string }>().id;
      };
      ids = {
        wi: await inject('/api/v1/work-items', { class: 'incident', title: 'existing' }),
        ci: await inject('/api/v1/config-items', { class: 'computer', name: 'existing' }),
        ra: await inject('/api/v1/run-as-accounts', {
          name: 'existing',
          username: 'u',
          password: 'existing pw',
        }),
      };
    });
    after(() => fx.close());

    it('a well-formed request with charset passes (control)', async () => {
      const res = await fx.app.inject({
        method: 'POST',
        url: '/api/v1/work-items',
        headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
        payload: JSON.stringify({ class: 'incident', title: 'control' }),
      });
      assert.equal(res.statusCode, 201, res.body);
    });

    it('every kind of bad input gets its 4xx and changes nothing', async () => {
      const all = cases(ids);
      assert.ok(all.length > 80);
      for (const c of all) {
        const counts = await countRows(fx.db);
        const rows = await fx.db.query('SELECT * FROM work_items ORDER BY id');
        const res = await fx.app.inject({ ...c.req, headers: { ...headers, ...(c.req.headers as object) } });
        assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${c.name}: ${res.statusCode} ${res.body}`);
        try {
          expectError(res, c.status, c.code);
        } catch (e) {
          throw new Error(`${c.name}: ${(e as Error).message}`);
        }
        assert.deepEqual(await countRows(fx.db), counts, `${c.name} changed the database`);
        assert.deepEqual((await fx.db.query('SELECT * FROM work_items ORDER BY id')).rows, rows.rows, c.name);
      }
    });

    it('a malformed body holding a password leaves no trace of it in the logs', async () => {
      const secret = 'hunter2-in-a-broken-body';
      const res = await fx.app.inject({
        method: 'POST',
        url: `/api/v1/run-as-accounts/${ids.ra}/verify`,
        headers: { ...headers, ...json },
        payload: `{"password":"${secret}"`,
      });
      expectError(res, 400, 'MALFORMED_JSON');
      const sessions = await fx.app.inject({
        method: 'POST',
        url: '/api/v1/sessions?password=in-the-query',
        headers: json,
        payload: `{"username":"admin","password":"${secret}"`,
      });
      expectError(sessions, 400, 'MALFORMED_JSON');
      for (const line of fx.logs) {
        assert.ok(!line.includes(secret), line);
        assert.ok(!line.includes('in-the-query'), line);
        assert.ok(!line.includes('existing pw'), line);
      }
    });

    it('an unexpected failure is 500 INTERNAL with a generic message, logged without secrets', async () => {
      const secret = 'secret-in-driver-error';
      const failing: Database = Object.create(fx.db, {
        query: {
          value: async (sql: string, params?: readonly unknown[]) => {
            if (sql.includes('FROM work_items')) {
              throw Object.assign(new Error('connection lost in the middle'), {
                query: sql,
                params: [secret],
                detail: secret,
              });
            }
            return fx.db.query(sql, params);
          },
        },
      });
      const app = await buildApp({ ...fx.ctx, db: failing });
      try {
        const res = await app.inject({ method: 'GET', url: `/api/v1/work-items/${ids.wi}`, headers });
        const message = expectError(res, 500, 'INTERNAL');
        assert.equal(message, 'An internal error occurred.');
        assert.ok(!res.body.includes('connection lost'));
        const logged = fx.logs.filter((l) => l.includes('connection lost in the middle'));
        assert.equal(logged.length, 1, 'the failure is logged once');
        for (const line of fx.logs) assert.ok(!line.includes(secret), line);
      } finally {
        await app.close();
      }
    });
  });
}
