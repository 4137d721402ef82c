/**
 * The service catalog of the packs through the API, on both engines, with
 * the doc's example imported: GET /api/v1/service-offerings, list questions
 * of GET /api/v1/request-offerings carrying their items, and
 * POST /api/v1/request-offerings/:id/requests creating the work item of the
 * offering's template with the answers mapped, the caller as affected user.
 * A bad answer is 400 naming the question and leaves the database as it was;
 * a draft or unknown offering is 404; an account without work item rights 403.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApiFixture, expectError, openApiFixture } from '../../test/support/api-fixture.js';
import { ENGINES } from '../../test/support/engines.js';
import { docExample } from '../../test/support/pack-example.js';
import { dumpDatabase } from '../../test/support/snapshot.js';

const OFFERING = 'contoso.servicedesk.new-laptop';
const Q = `${OFFERING}.`;
const SUBMIT = `/api/v1/request-offerings/${OFFERING}/requests`;

for (const makeEngine of ENGINES) {
  describe(`request offerings API (${makeEngine().name})`, () => {
    let fx: ApiFixture;
    let eve: Record<string, string>;
    before(async () => {
      fx = await openApiFixture(makeEngine);
      const admin = fx.auth(await fx.login());
      const res = await fx.app.inject({
        method: 'POST',
        url: '/api/v1/management-packs',
        headers: admin,
        payload: docExample() as object,
      });
      assert.equal(res.statusCode, 201, res.body);
      eve = fx.auth(await fx.addUser('eve', 'end-user'));
    });
    after(() => fx.close());

    const submit = (answers: Record<string, unknown>, headers = eve, url = SUBMIT) =>
      fx.app.inject({ method: 'POST', url, headers, payload: { answers } });
    const unchanged = async (what: string, fn: () => Promise<void>) => {
      const before = await dumpDatabase(fx.db, ['api_tokens', 'sign_in_throttle']);
      await fn();
      assert.equal(
        await dumpDatabase(fx.db, ['api_tokens', 'sign_in_throttle']),
        before,
        `${what} changed nothing`,
      );
    };

    it('lists the published service offerings to an end user', async () => {
      const res = await fx.app.inject({ method: 'GET', url: '/api/v1/service-offerings', headers: eve });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), {
        items: [
          {
            id: 'contoso.servicedesk.workplace',
            packId: 'contoso.servicedesk',
            title: 'Workplace',
            description: 'Laptops, printers and everything on your desk.',
            category: 'Hardware',
          },
        ],
      });
    });

    it("gives a list question its list's items", async () => {
      const res = await fx.app.inject({ method: 'GET', url: '/api/v1/request-offerings', headers: eve });
      assert.equal(res.statusCode, 200, res.body);
      const [offering] = res.json<{ items: Array<{ questions: Array<{ id: string; items?: unknown }> }> }>()
        .items;
      const model = offering!.questions.find((q) => q.id === `${Q}model`);
      assert.deepEqual(model?.items, [
        {
          id: 'contoso.servicedesk.laptop-models.x1',
          value: 'contoso.servicedesk.laptop-models.x1',
          title: 'ThinkPad X1',
        },
        {
          id: 'contoso.servicedesk.laptop-models.mbp14',
          value: 'contoso.servicedesk.laptop-models.mbp14',
          title: 'MacBook Pro 14',
        },
      ]);
      assert.equal(offering!.questions.find((q) => q.id === `${Q}why`)?.items, undefined);
    });

    it("creates the work item of the offering's template with the answers, the caller as affected user", async () => {
      const res = await submit({
        [`${Q}model`]: 'contoso.servicedesk.laptop-models.mbp14',
        [`${Q}cost-centre`]: 'CC-42',
        [`${Q}why`]: 'Mine is five years old.',
      });
      assert.equal(res.statusCode, 201, res.body);
      const wi = res.json<Record<string, unknown>>();
      assert.equal(wi.class, 'service-request');
      assert.equal(wi.title, 'New laptop');
      assert.equal(wi.priority, 4);
      assert.equal(wi.description, 'Mine is five years old.');
      assert.equal(wi.affectedUser, 'eve');
      assert.deepEqual(wi.properties, {
        requestOffering: OFFERING,
        'contoso.servicedesk.laptop-model': 'contoso.servicedesk.laptop-models.mbp14',
        'contoso.servicedesk.cost-centre': 'CC-42',
      });
      const mine = await fx.app.inject({
        method: 'GET',
        url: `/api/v1/work-items/${wi.displayId}`,
        headers: eve,
      });
      assert.equal(mine.statusCode, 200, mine.body);
    });

    it('refuses a bad answer naming the question, and writes nothing', async () => {
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ [`${Q}cost-centre`]: 'CC-1' }, /new-laptop\.model \("Which model\?"\): is required/],
        [
          { [`${Q}model`]: 'contoso.servicedesk.laptop-models.nope', [`${Q}cost-centre`]: 'CC-1' },
          /new-laptop\.model \("Which model\?"\): must be an item id of list contoso\.servicedesk\.laptop-models/,
        ],
        [
          { [`${Q}model`]: 'contoso.servicedesk.laptop-models.x1', [`${Q}cost-centre`]: 'x'.repeat(17) },
          /new-laptop\.cost-centre \("Cost centre"\): must be at most 16 characters/,
        ],
        [
          {
            [`${Q}model`]: 'contoso.servicedesk.laptop-models.x1',
            [`${Q}cost-centre`]: 'CC',
            [`${Q}colour`]: 'red',
          },
          /has no question contoso\.servicedesk\.new-laptop\.colour/,
        ],
      ];
      for (const [answers, message] of cases) {
        await unchanged(JSON.stringify(answers), async () => {
          assert.match(expectError(await submit(answers), 400, 'VALIDATION'), message);
        });
      }
    });

    it('an analyst submits as their own affected user; an account without work item rights is 403, nothing written', async () => {
      const ann = fx.auth(await fx.addUser('ann', 'analyst'));
      const dw = fx.auth(await fx.addUser('dw-service', 'data-warehouse', 'dw service password 1'));
      const answers = { [`${Q}model`]: 'contoso.servicedesk.laptop-models.x1', [`${Q}cost-centre`]: 'CC-7' };
      const res = await submit(answers, ann);
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json<{ affectedUser: string }>().affectedUser, 'ann');
      await unchanged('a data warehouse account', async () => {
        expectError(await submit(answers, dw), 403, 'FORBIDDEN');
      });
    });

    it('answers 404 for a draft or unknown offering and 401 without a session, writing nothing', async () => {
      await unchanged('a draft offering', async () => {
        expectError(
          await submit({}, eve, '/api/v1/request-offerings/contoso.servicedesk.monitor/requests'),
          404,
          'NOT_FOUND',
        );
        expectError(
          await submit({}, eve, '/api/v1/request-offerings/contoso.nothing.here/requests'),
          404,
          'NOT_FOUND',
        );
        const anonymous = await submit({ [`${Q}cost-centre`]: 'CC' }, {});
        assert.equal(anonymous.statusCode, 401, anonymous.body);
      });
    });
  });
}
