import assert from 'node:assert/strict';
import { test } from 'node:test';
import { docExample } from '../../../test/support/pack-example.js';
import { builtInPacks } from '../../management-packs/built-in-packs.js';
import { PackCatalog } from '../../management-packs/pack-catalog.js';
import type { Pack } from '../../management-packs/pack-schema.js';
import { extensionFields, readExtensionFields } from './extension-fields.js';

const catalog = () => new PackCatalog([...builtInPacks(), docExample() as Pack]);
const CLASSIFICATION = 'contoso.servicedesk.classification';

test('a list property is a drop-down of its items at every depth, the given value chosen', () => {
  const fields = extensionFields(catalog(), 'incident', {
    [CLASSIFICATION]: 'contoso.servicedesk.incident-classification.laptop',
  });
  const f = fields.find((x) => x.name === `property:${CLASSIFICATION}`);
  assert.ok(f);
  assert.equal(f.kind, 'select');
  assert.equal(f.required, true);
  assert.deepEqual(
    f.options.map((o) => o.label.trim()),
    ['Hardware', 'Printer', 'Laptop', 'Network', 'Other'],
  );
  assert.equal(f.value, JSON.stringify('contoso.servicedesk.incident-classification.laptop'));
  assert.equal(
    extensionFields(catalog(), 'service-request', {}).some((x) => x.name.includes(CLASSIFICATION)),
    false,
  );
});

test('submitted values are typed as declared; none clears; absent fields are left out', () => {
  const got = readExtensionFields(catalog(), 'incident', {
    [`property:${CLASSIFICATION}`]: JSON.stringify('contoso.servicedesk.incident-classification.network'),
    'property:contoso.servicedesk.users-affected': ' 12 ',
    'property:contoso.servicedesk.site': '',
    'property:not.a.property': 'x',
  });
  assert.deepEqual(got, {
    [CLASSIFICATION]: 'contoso.servicedesk.incident-classification.network',
    'contoso.servicedesk.users-affected': 12,
    'contoso.servicedesk.site': undefined,
  });
  // Not readable as its type: kept as text, for the API to refuse with its message.
  assert.deepEqual(
    readExtensionFields(catalog(), 'incident', { 'property:contoso.servicedesk.users-affected': 'many' }),
    {
      'contoso.servicedesk.users-affected': 'many',
    },
  );
});
