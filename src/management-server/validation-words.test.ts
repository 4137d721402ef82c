/**
 * Refusals of the schema name what is wrong and what would be right: the
 * allowed values of an enum, the unknown field and the fields there are, the
 * missing field, the expected type; never the offending value.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApiFixture, expectError, openApiFixture } from '../../test/support/api-fixture.js';
import { embeddedFixture } from '../../test/support/engines.js';

describe('validation errors in words', () => {
  let fx: ApiFixture;
  let headers: Record<string, string>;
  before(async () => {
    fx = await openApiFixture(embeddedFixture);
    headers = fx.auth(await fx.login());
  });
  after(() => fx.close());

  const cases: Array<[string, string, object | undefined, RegExp]> = [
    [
      'POST',
      '/api/v1/work-items',
      { class: 'servicerequest', title: 'x' },
      /^The request is not valid: body\/class: must be one of "incident", "service-request"\.$/,
    ],
    [
      'POST',
      '/api/v1/work-items',
      { class: 'incident', title: 'x', severity: 1 },
      /body\/severity: unknown field \(the fields are: class, title, description, priority, status, assignedTo, affectedUser, properties\)/,
    ],
    ['POST', '/api/v1/work-items', { class: 'incident' }, /body\/title: missing/],
    [
      'POST',
      '/api/v1/work-items',
      { class: 'incident', title: 'x', priority: '2' },
      /body\/priority: must be an integer or null/,
    ],
    ['POST', '/api/v1/work-items', { class: 'incident', title: 7 }, /body\/title: must be a string\./],
    ['PATCH', '/api/v1/work-items/1', {}, /body: must name at least 1 field \(the fields are: title, /],
    [
      'GET',
      '/api/v1/work-items?status=open',
      undefined,
      /querystring\/status: must be one of "active", "pending", "resolved", "closed"/,
    ],
    [
      'GET',
      '/api/v1/work-items?sort=title',
      undefined,
      /querystring\/sort: unknown field \(the fields are: class, status, order, limit, cursor\)/,
    ],
    [
      'POST',
      '/api/v1/users',
      { username: 'x', role: 'boss', password: 'secret-value-99' },
      /body\/role: must be one of "administrator", "analyst", "end-user"/,
    ],
  ];

  it('names the allowed values, the unknown or missing field, the type', async () => {
    await fx.app.inject({
      method: 'POST',
      url: '/api/v1/work-items',
      headers,
      payload: { class: 'incident', title: 'one' },
    });
    for (const [method, url, payload, expected] of cases) {
      const res = await fx.app.inject({ method: method as 'GET', url, headers, payload });
      const message = expectError(res, 400, 'VALIDATION');
      assert.match(message, expected, `${method} ${url}`);
      assert.ok(!message.includes('secret-value-99'));
    }
  });
});
