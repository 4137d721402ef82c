/**
 * The packs' catalog as the portal shows it: pack questions become form
 * questions (list items as choices shown by title), offerings without a
 * service offering are grouped by category, and the built-in catalog is
 * answered only when no pack publishes a request offering.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtInCatalog } from './built-in-catalog.js';
import type { ManagementServerClient } from './management-server-client.js';
import { formQuestion, packCatalog, packCatalogSource } from './pack-catalog-source.js';

describe('pack catalog source', () => {
  it('makes form questions of pack questions', () => {
    assert.deepEqual(
      formQuestion({
        id: 'a.b.model',
        prompt: 'Model?',
        type: 'list',
        required: true,
        items: [
          { id: 'a.b.x1', value: 'a.b.x1', title: 'X1' },
          { id: 'smgr.p.1', value: 1, title: 'Critical' },
        ],
      }),
      {
        id: 'a.b.model',
        label: 'Model?',
        required: true,
        help: undefined,
        type: 'choice',
        choices: ['a.b.x1', '1'],
        labels: ['X1', 'Critical'],
      },
    );
    assert.equal(
      formQuestion({ id: 'a.b.w', prompt: 'Why', type: 'string', maxLength: 2000 }).type,
      'long-text',
    );
    assert.equal(formQuestion({ id: 'a.b.c', prompt: 'CC', type: 'string', maxLength: 16 }).type, 'text');
    assert.equal(formQuestion({ id: 'a.b.v', prompt: 'VIP', type: 'boolean' }).type, 'yes-no');
    assert.equal(formQuestion({ id: 'a.b.d', prompt: 'When', type: 'datetime' }).type, 'date');
  });

  it('groups an offering without a known service offering under its category', () => {
    const c = packCatalog(
      [],
      [
        {
          id: 'a.b.o',
          title: 'O',
          description: null,
          category: 'Office Supplies',
          serviceOffering: null,
          questions: [],
        },
      ],
    );
    assert.deepEqual(c.serviceOfferings, [
      { id: 'category-office-supplies', title: 'Office Supplies', description: '' },
    ]);
    assert.equal(c.requestOfferings[0]?.serviceOffering, 'category-office-supplies');
    assert.equal(c.requestOfferings[0]?.fromPack, true);
  });

  it('answers the built-in catalog only when no pack publishes a request offering', async () => {
    const answering = (offerings: unknown[]) =>
      ({
        call: async (_m: string, path: string) => ({ items: path === '/request-offerings' ? offerings : [] }),
      }) as unknown as ManagementServerClient;
    const fallback = await builtInCatalog.catalog('t');
    assert.equal(await packCatalogSource(answering([]), builtInCatalog).catalog('t'), fallback);
    const packs = await packCatalogSource(
      answering([
        { id: 'a.b.o', title: 'O', description: null, category: 'C', serviceOffering: null, questions: [] },
      ]),
      builtInCatalog,
    ).catalog('t');
    assert.deepEqual(
      packs.requestOfferings.map((o) => o.id),
      ['a.b.o'],
    );
  });
});
