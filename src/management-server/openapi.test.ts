/**
 * GET /api/v1/openapi.json on both engines: served without a token, OpenAPI
 * 3, lists every route with its request and response schemas, the shared
 * schemas, and the bearer security scheme and the roles on every
 * authenticated route.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApiFixture, openApiFixture } from '../../test/support/api-fixture.js';
import { ENGINES } from '../../test/support/engines.js';

interface Operation {
  description?: string;
  security?: Array<Record<string, string[]>>;
  requestBody?: { content: Record<string, { schema: unknown }> };
  parameters?: Array<{ in: string; name: string }>;
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, unknown>;
    securitySchemes: Record<string, { type: string; scheme: string }>;
  };
};

const ROUTES: Array<[path: string, method: string, body: boolean, success: string, secured: boolean]> = [
  ['/health', 'get', false, '200', false],
  ['/api/v1/sessions', 'post', true, '201', false],
  ['/api/v1/sessions/current', 'get', false, '200', true],
  ['/api/v1/sessions/current', 'delete', false, '204', true],
  ['/api/v1/users', 'post', true, '201', true],
  ['/api/v1/users', 'get', false, '200', true],
  ['/api/v1/users/{name}', 'get', false, '200', true],
  ['/api/v1/users/{name}', 'patch', true, '200', true],
  ['/api/v1/users/{name}/password', 'put', true, '200', true],
  ['/api/v1/work-items/{id}/comments', 'post', true, '201', true],
  ['/api/v1/work-items/{id}/comments', 'get', false, '200', true],
  ['/api/v1/work-items/{id}/history', 'get', false, '200', true],
  ['/api/v1/work-items/{id}/approvals', 'post', true, '201', true],
  ['/api/v1/work-items/{id}/approvals', 'get', false, '200', true],
  ['/api/v1/approvals', 'get', false, '200', true],
  ['/api/v1/approvals/{id}', 'get', false, '200', true],
  ['/api/v1/approvals/{id}/decision', 'post', true, '200', true],
  ['/api/v1/work-items', 'post', true, '201', true],
  ['/api/v1/work-items', 'get', false, '200', true],
  ['/api/v1/work-items/{id}', 'get', false, '200', true],
  ['/api/v1/work-items/{id}', 'patch', true, '200', true],
  ['/api/v1/config-items', 'post', true, '201', true],
  ['/api/v1/config-items', 'get', false, '200', true],
  ['/api/v1/config-items/{id}', 'get', false, '200', true],
  ['/api/v1/config-items/{id}', 'patch', true, '200', true],
  ['/api/v1/run-as-accounts', 'post', true, '201', true],
  ['/api/v1/run-as-accounts', 'get', false, '200', true],
  ['/api/v1/run-as-accounts/{id}', 'get', false, '200', true],
  ['/api/v1/run-as-accounts/{id}/verify', 'post', true, '200', true],
  // --- management packs (issue 10)
  ['/api/v1/management-packs', 'get', false, '200', true],
  ['/api/v1/management-packs', 'post', true, '201', true],
  ['/api/v1/management-packs/{id}', 'get', false, '200', true],
  ['/api/v1/management-packs/{id}', 'delete', false, '200', true],
  ['/api/v1/request-offerings', 'get', false, '200', true],
  ['/api/v1/management-packs/{id}/enumerations/{listId}/items', 'post', true, '201', true],
  ['/api/v1/management-packs/{id}/templates', 'post', true, '201', true],
  ['/api/v1/management-packs/{id}/request-offerings/{offeringId}/status', 'put', true, '200', true],
  ['/api/v1/views', 'get', false, '200', true],
  ['/api/v1/views/{id}/items', 'get', false, '200', true],
  // catalog: service offerings, submitting a request offering
  ['/api/v1/service-offerings', 'get', false, '200', true],
  ['/api/v1/request-offerings/{id}/requests', 'post', true, '201', true],
  // data warehouse (issue 9)
  ['/api/v1/changes', 'get', false, '200', true],
  ['/api/v1/data-warehouse', 'put', true, '200', true],
  ['/api/v1/data-warehouse', 'delete', false, '200', true],
  ['/api/v1/data-warehouse/self', 'get', false, '200', true],
  ['/api/v1/data-warehouse/heartbeat', 'post', true, '200', true],
  // issue 12: the Self-Service Portal
  ['/api/v1/portals', 'get', false, '200', true],
  ['/api/v1/portals', 'post', true, '201', true],
  ['/api/v1/portals/heartbeat', 'post', true, '200', false],
  // --- console-analyst (issue 14): configuration items related to work items
  ['/api/v1/work-items/{id}/config-items', 'get', false, '200', true],
  ['/api/v1/work-items/{id}/config-items', 'post', true, '201', true],
  ['/api/v1/work-items/{id}/config-items/{configItemId}', 'delete', false, '204', true],
  ['/api/v1/config-items/{id}/work-items', 'get', false, '200', true],
];

for (const makeEngine of ENGINES) {
  describe(`OpenAPI document (${makeEngine().name})`, () => {
    let fx: ApiFixture;
    let doc: Doc;
    before(async () => {
      fx = await openApiFixture(makeEngine);
    });
    after(() => fx.close());

    it('is served without a token', async () => {
      const res = await fx.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      doc = res.json<Doc>();
      assert.match(doc.openapi, /^3\./);
    });

    it('lists every route with its schemas and security', () => {
      const listed = Object.entries(doc.paths).flatMap(([p, ops]) =>
        Object.keys(ops).map((m) => `${m} ${p}`),
      );
      assert.deepEqual(listed.sort(), ROUTES.map(([p, m]) => `${m} ${p}`).sort());
      for (const [p, m, body, success, secured] of ROUTES) {
        const op = doc.paths[p]?.[m];
        assert.ok(op, `${m} ${p}`);
        if (body) assert.ok(op.requestBody?.content['application/json']?.schema, `${m} ${p} body schema`);
        if (success === '204') assert.ok(op.responses[success], `${m} ${p} ${success}`);
        else
          assert.ok(
            op.responses[success]?.content?.['application/json']?.schema,
            `${m} ${p} ${success} schema`,
          );
        assert.ok(op.responses['4XX']?.content?.['application/json']?.schema, `${m} ${p} 4XX schema`);
        for (const name of p.match(/(?<=\{)\w+(?=\})/g) ?? []) {
          assert.ok(
            op.parameters?.some((x) => x.in === 'path' && x.name === name),
            `${m} ${p} {${name}}`,
          );
        }
        if (secured) {
          assert.deepEqual(op.security, [{ bearerAuth: [] }], `${m} ${p} security`);
          assert.match(
            op.description ?? '',
            /Roles: (administrator|every signed-in user)/,
            `${m} ${p} roles`,
          );
        } else assert.equal(op.security, undefined, `${m} ${p} is open`);
      }
      const listQuery = doc.paths['/api/v1/work-items']?.get?.parameters?.map((x) => x.name).sort();
      assert.deepEqual(listQuery, ['class', 'cursor', 'limit', 'order', 'status']);
    });

    it('describes the bearer scheme and the shared schemas', () => {
      assert.deepEqual(
        {
          type: doc.components.securitySchemes.bearerAuth?.type,
          scheme: doc.components.securitySchemes.bearerAuth?.scheme,
        },
        { type: 'http', scheme: 'bearer' },
      );
      for (const name of [
        'Error',
        'WorkItem',
        'ConfigItem',
        'RunAsAccount',
        'User',
        'Comment',
        'HistoryEntry',
        'Approval',
      ]) {
        assert.ok(doc.components.schemas[name], name);
      }
      const user = doc.components.schemas.User as { properties: Record<string, unknown> };
      assert.ok(!Object.keys(user.properties).some((k) => /password(?!ChangedAt)|hash/i.test(k)));
      const runAs = doc.components.schemas.RunAsAccount as { properties: Record<string, unknown> };
      assert.deepEqual(Object.keys(runAs.properties).sort(), [
        'createdAt',
        'id',
        'keyId',
        'name',
        'updatedAt',
        'username',
      ]);
    });
  });
}
