/**
 * Data follows the packs, on both engines: work items and configuration
 * items take the class extension properties of the imported packs (unknown
 * → 400 naming it, wrong type → 400 naming property and type, list
 * properties take item ids, defaults filled, free-form keys as before); the
 * OpenAPI document shows them; removing the pack hides the values and
 * importing it again shows them; and a class extension round trip: items
 * created through the API, backed up, restored into an empty database on
 * the other engine, items and pack identical (and the archive carries the
 * pack as packs/<id>.json).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { type ApiFixture, expectError, openApiFixture } from '../../test/support/api-fixture.js';
import { ENGINES, embeddedFixture, serverFixture, tempDir } from '../../test/support/engines.js';
import { docExample } from '../../test/support/pack-example.js';
import { dumpDatabase } from '../../test/support/snapshot.js';
import { keksOfStorage } from '../backup/archive-keys.js';
import { ensureBackupRecipient } from '../backup/backup-recipient.js';
import { checkArchive } from '../backup/check-archive.js';
import { createBackup } from '../backup/create-backup.js';
import { restoreDatabase } from '../backup/restore-database.js';
import { buildApp } from '../management-server/build-app.js';
import { packEntries } from './archive-packs.js';

const SITE = 'contoso.servicedesk.site';
const USERS = 'contoso.servicedesk.users-affected';
const WI = '/api/v1/work-items';

for (const makeEngine of ENGINES) {
  const engineName = makeEngine().name;
  const other = engineName === 'embedded' ? serverFixture : embeddedFixture;
  describe(`class extension properties (${engineName})`, () => {
    let fx: ApiFixture;
    let auth: Record<string, string>;
    const dir = tempDir('smgr-ext-');
    const target = other();
    before(async () => {
      fx = await openApiFixture(makeEngine);
      auth = fx.auth(await fx.login());
      const r = await fx.app.inject({
        method: 'POST',
        url: '/api/v1/management-packs',
        headers: auth,
        payload: docExample(),
      });
      assert.equal(r.statusCode, 201, r.body);
    });
    after(async () => {
      await fx.close();
      await target.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const post = (url: string, payload: object) =>
      fx.app.inject({ method: 'POST', url, headers: auth, payload });

    it('accepts typed values and list item ids, fills defaults, keeps free-form keys', async () => {
      const r = await post(WI, {
        class: 'incident',
        title: 'Printer on fire',
        properties: { [SITE]: 'contoso.servicedesk.sites.london', [USERS]: 12, floor: 3 },
      });
      assert.equal(r.statusCode, 201, r.body);
      assert.deepEqual(r.json<{ properties: unknown }>().properties, {
        [SITE]: 'contoso.servicedesk.sites.london',
        [USERS]: 12,
        floor: 3,
        'contoso.servicedesk.classification': 'contoso.servicedesk.incident-classification.other',
        'contoso.servicedesk.vip': false,
      });
      const ci = await post('/api/v1/config-items', {
        class: 'computer',
        name: 'LON-PC-1',
        properties: {
          'contoso.servicedesk.asset-tag': 'A-1',
          'contoso.servicedesk.computer-site': 'contoso.servicedesk.sites.lyon',
        },
      });
      assert.equal(ci.statusCode, 201, ci.body);
    });

    it('refuses unknown properties and wrong types, naming them, and changes nothing', async () => {
      const before = await dumpDatabase(fx.db, ['api_tokens']);
      const cases: Array<[string, object, RegExp]> = [
        [
          WI,
          { class: 'incident', title: 't', properties: { 'contoso.servicedesk.nope': 1 } },
          /properties\/contoso\.servicedesk\.nope: class incident has no property/,
        ],
        [
          WI,
          { class: 'incident', title: 't', properties: { [USERS]: '12' } },
          /users-affected: must be a number \(integer\).*type integer/,
        ],
        [
          WI,
          { class: 'incident', title: 't', properties: { [USERS]: 0 } },
          /users-affected: must be at least 1/,
        ],
        [
          WI,
          { class: 'incident', title: 't', properties: { [SITE]: 'London' } },
          /site: must be an item id of list contoso\.servicedesk\.sites/,
        ],
        [
          WI,
          {
            class: 'service-request',
            title: 't',
            properties: { [SITE]: 'contoso.servicedesk.sites.london' },
          },
          /class service-request has no property contoso\.servicedesk\.site/,
        ],
        [
          WI,
          { class: 'incident', title: 't', properties: { 'contoso.servicedesk.classification': null } },
          /classification: is required/,
        ],
        [
          WI,
          {
            class: 'incident',
            title: 't',
            properties: { 'contoso.servicedesk.outage-started': 'yesterday' },
          },
          /outage-started: must be an RFC 3339 date-time/,
        ],
        [
          '/api/v1/config-items',
          { class: 'computer', name: 'X', properties: { 'contoso.servicedesk.asset-tag': 'x'.repeat(33) } },
          /asset-tag: must be at most 32 characters/,
        ],
      ];
      for (const [url, payload, message] of cases) {
        assert.match(expectError(await post(url, payload), 400, 'VALIDATION'), message);
      }
      const first = (await fx.app.inject({ method: 'GET', url: `${WI}?limit=1`, headers: auth })).json<{
        items: Array<{ id: number }>;
      }>().items[0]!;
      const patch = await fx.app.inject({
        method: 'PATCH',
        url: `${WI}/${first.id}`,
        headers: auth,
        payload: { properties: { [USERS]: 'many' } },
      });
      expectError(patch, 400, 'VALIDATION');
      assert.equal(await dumpDatabase(fx.db, ['api_tokens']), before);
    });

    it('the OpenAPI document shows the extension properties', async () => {
      const doc = (await fx.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json<{
        components: {
          schemas: Record<
            string,
            {
              properties: { properties: { properties: Record<string, { type: unknown; enum?: unknown[] }> } };
            }
          >;
        };
      }>();
      const wi = doc.components.schemas.WorkItem!.properties.properties.properties;
      assert.deepEqual(wi[USERS]!.type, ['integer', 'null']);
      assert.ok(wi[SITE]!.enum!.includes('contoso.servicedesk.sites.london'));
      const ci = doc.components.schemas.ConfigItem!.properties.properties.properties;
      assert.ok(ci['contoso.servicedesk.asset-tag']);
    });

    it('a class extension round trip: back up, restore on the other engine, items and pack identical', async () => {
      const list = await fx.app.inject({ method: 'GET', url: WI, headers: auth });
      await ensureBackupRecipient(fx.db, fx.storage, fx.group.id);
      const backup = await createBackup({
        db: fx.db,
        storage: fx.storage,
        config: { managementGroup: fx.group },
        directory: dir,
        progress: { report: () => {} },
        namedEntries: packEntries,
      });
      const identity = fx.storage.getBackupIdentity(fx.group.id)!;
      const keks = keksOfStorage(fx.storage);
      const entries: string[] = [];
      await checkArchive(
        backup.file,
        { identities: [identity], keks },
        {
          onEntry: async (name, data) => {
            entries.push(name);
            assert.deepEqual(JSON.parse(data.toString()), docExample());
          },
        },
      );
      assert.deepEqual(entries, ['packs/contoso.servicedesk.json']);
      const url = await target.newDatabaseUrl();
      await restoreDatabase({ file: backup.file, targetUrl: url, identities: [identity], keks });
      const db = await target.open(url);
      try {
        const tables = (d: string) =>
          d.split('\n').filter((l) => /^(work_items|config_items|management_packs): /.test(l));
        assert.deepEqual(tables(await dumpDatabase(db)), tables(await dumpDatabase(fx.db)));
        const app = await buildApp({ ...fx.ctx, db, logger: pino({ level: 'silent' }) });
        try {
          const login = await app.inject({
            method: 'POST',
            url: '/api/v1/sessions',
            payload: { username: fx.username, password: fx.password },
          });
          const again = await app.inject({
            method: 'GET',
            url: WI,
            headers: fx.auth(login.json<{ token: string }>().token),
          });
          assert.deepEqual(again.json(), list.json());
        } finally {
          await app.close();
        }
      } finally {
        await db.close();
      }
    });

    it('removing the pack hides the values (kept in the database); importing it again shows them', async () => {
      const first = (await fx.app.inject({ method: 'GET', url: WI, headers: auth })).json<{
        items: Array<{ id: number; properties: Record<string, unknown> }>;
      }>().items[0]!;
      assert.equal(first.properties[SITE], 'contoso.servicedesk.sites.london');
      const removed = await fx.app.inject({
        method: 'DELETE',
        url: '/api/v1/management-packs/contoso.servicedesk',
        headers: auth,
      });
      assert.equal(removed.statusCode, 200, removed.body);
      const hidden = await fx.app.inject({ method: 'GET', url: `${WI}/${first.id}`, headers: auth });
      assert.deepEqual(hidden.json<{ properties: unknown }>().properties, { floor: 3 });
      expectError(
        await post(WI, {
          class: 'incident',
          title: 't',
          properties: { [SITE]: 'contoso.servicedesk.sites.london' },
        }),
        400,
        'VALIDATION',
      );
      const patched = await fx.app.inject({
        method: 'PATCH',
        url: `${WI}/${first.id}`,
        headers: auth,
        payload: { properties: { floor: 4 } },
      });
      assert.deepEqual(patched.json<{ properties: unknown }>().properties, { floor: 4 });
      const row = await fx.db.query<{ properties: Record<string, unknown> }>(
        'SELECT properties FROM work_items WHERE id = $1',
        [first.id],
      );
      assert.equal(row.rows[0]!.properties[SITE], 'contoso.servicedesk.sites.london', 'the value is kept');
      const back = await fx.app.inject({
        method: 'POST',
        url: '/api/v1/management-packs',
        headers: auth,
        payload: docExample(),
      });
      assert.equal(back.json<{ outcome: string }>().outcome, 'restored');
      const shown = await fx.app.inject({ method: 'GET', url: `${WI}/${first.id}`, headers: auth });
      assert.equal(
        shown.json<{ properties: Record<string, unknown> }>().properties[SITE],
        'contoso.servicedesk.sites.london',
      );
    });
  });
}
