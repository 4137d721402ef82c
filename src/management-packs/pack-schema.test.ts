/**
 * The pack format (docs/MANAGEMENT-PACKS.md): the doc's example and every
 * kind of content accepted; malformed packs refused, each with a message
 * naming the JSON path of the problem (schema and rules); mutations of valid
 * packs never crash the checks (a refusal is PACK_INVALID, nothing else).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { docExample } from '../../test/support/pack-example.js';
import { isSmgrError } from '../errors/smgr-error.js';
import { builtInPacks } from './built-in-packs.js';
import { checkPackDocument } from './check-pack.js';
import { PackCatalog } from './pack-catalog.js';
import { packProblems } from './pack-rules.js';

// biome-ignore lint/suspicious/noExplicitAny: test documents are mutated freely
type Doc = Record<string, any>;
const builtIns = () => new PackCatalog(builtInPacks());

/** Every problem of a document, as one string ('' when it is accepted). */
function problemsOf(doc: unknown, others = builtIns()): string {
  try {
    const pack = checkPackDocument(doc);
    return packProblems(pack, others).join('; ');
  } catch (e) {
    if (isSmgrError(e) && e.code === 'PACK_INVALID') return e.message;
    throw e;
  }
}

const minimal = (): Doc => ({
  format: 'smgr-management-pack',
  formatVersion: 1,
  id: 'acme.desk',
  version: '1.0.0.0',
  name: 'Acme desk',
});

describe('management pack schema', () => {
  test("the doc's example is accepted as it stands", () => {
    assert.equal(problemsOf(docExample()), '');
  });

  test('the built-in packs are accepted', () => {
    for (const p of builtInPacks()) assert.equal(problemsOf(p, new PackCatalog([])), '', p.id);
  });

  test('each kind of content is accepted on its own', () => {
    const ex = docExample();
    const kinds: Record<string, Doc> = {
      references: { references: [{ id: 'smgr.workitems', minVersion: '1.0.0.0' }] },
      classExtensions: {
        classExtensions: [
          {
            id: 'acme.desk.x',
            class: 'incident',
            properties: [
              { id: 'acme.desk.s', name: 'S', type: 'string', maxLength: 10, default: 'a' },
              {
                id: 'acme.desk.i',
                name: 'I',
                type: 'integer',
                minimum: 0,
                maximum: 9,
                required: true,
                default: 1,
              },
              { id: 'acme.desk.d', name: 'D', type: 'decimal', minimum: 0.5 },
              { id: 'acme.desk.b', name: 'B', type: 'boolean' },
              { id: 'acme.desk.t', name: 'T', type: 'datetime', default: '2026-11-30T09:00:00Z' },
            ],
          },
        ],
      },
      enumerations: {
        enumerations: [{ id: 'acme.desk.l', name: 'L', items: [{ id: 'acme.desk.l.a', name: 'A' }] }],
      },
      templates: {
        templates: [
          { id: 'acme.desk.t', name: 'T', class: 'incident', values: { title: 'x', status: 'pending' } },
        ],
      },
      serviceOfferings: {
        serviceOfferings: [{ id: 'acme.desk.s', title: 'S', category: 'C', status: 'draft' }],
      },
      requestOfferings: {
        templates: [{ id: 'acme.desk.t', name: 'T', class: 'service-request', values: {} }],
        requestOfferings: [
          {
            id: 'acme.desk.r',
            title: 'R',
            category: 'C',
            status: 'published',
            template: 'acme.desk.t',
            questions: [{ id: 'acme.desk.r.q', prompt: 'Q?', type: 'string', maxLength: 9, mapsTo: 'title' }],
          },
        ],
      },
      notificationSubscriptions: { notificationSubscriptions: ex.notificationSubscriptions },
      views: {
        views: [
          {
            id: 'acme.desk.v',
            name: 'V',
            class: 'incident',
            criteria: [{ field: 'priority', operator: 'le', value: 2 }],
            columns: ['displayId'],
            sort: [],
          },
        ],
      },
    };
    for (const [kind, content] of Object.entries(kinds)) {
      const doc = { ...minimal(), ...content };
      if (kind === 'notificationSubscriptions') {
        doc.id = 'contoso.servicedesk';
        doc.classExtensions = ex.classExtensions;
        doc.enumerations = ex.enumerations;
      }
      assert.equal(problemsOf(doc), '', kind);
    }
  });

  // [what is wrong, mutation of the example, the path (and words) the message must name]
  const malformed: Array<[string, (d: Doc) => unknown, string]> = [
    ['not an object', () => [1, 2], '/: must be a JSON object'],
    [
      'format missing',
      (d) => {
        delete d.format;
      },
      '/format: missing',
    ],
    [
      'format wrong',
      (d) => {
        d.format = 'pack';
      },
      '/format',
    ],
    [
      'formatVersion 2',
      (d) => {
        d.formatVersion = 2;
      },
      '/formatVersion',
    ],
    [
      'id upper case',
      (d) => {
        d.id = 'Contoso.Desk';
      },
      '/id',
    ],
    [
      'id one segment',
      (d) => {
        d.id = 'contoso';
      },
      '/id',
    ],
    [
      'version three parts',
      (d) => {
        d.version = '1.0.0';
      },
      '/version',
    ],
    [
      'version leading zero',
      (d) => {
        d.version = '01.0.0.0';
      },
      '/version',
    ],
    [
      'name empty',
      (d) => {
        d.name = '';
      },
      '/name',
    ],
    [
      'unknown key',
      (d) => {
        d.extras = true;
      },
      '/extras: unknown key',
    ],
    [
      'reference without minVersion',
      (d) => {
        delete d.references[0].minVersion;
      },
      '/references/0/minVersion: missing',
    ],
    [
      'extension without properties',
      (d) => {
        d.classExtensions[0].properties = [];
      },
      '/classExtensions/0/properties',
    ],
    [
      'property type unknown',
      (d) => {
        d.classExtensions[0].properties[0].type = 'text';
      },
      '/classExtensions/0/properties/0/type',
    ],
    [
      'maxLength 0',
      (d) => {
        d.classExtensions[0].properties[5].maxLength = 0;
      },
      '/classExtensions/0/properties/5/maxLength',
    ],
    [
      'property unknown key',
      (d) => {
        d.classExtensions[0].properties[0].length = 3;
      },
      '/classExtensions/0/properties/0/length: unknown key',
    ],
    [
      'enumeration without items',
      (d) => {
        d.enumerations[0].items = [];
      },
      '/enumerations/0/items',
    ],
    [
      'enumeration item without name',
      (d) => {
        delete d.enumerations[0].items[0].name;
      },
      '/enumerations/0/items/0/name: missing',
    ],
    [
      'items nested 9 levels',
      (d) => {
        let level = d.enumerations[0].items[0];
        for (let i = 0; i < 8; i++) {
          level.items = [{ id: `contoso.servicedesk.deep${i}`, name: 'D' }];
          level = level.items[0];
        }
      },
      '/items: unknown key',
    ],
    [
      'template values not an object',
      (d) => {
        d.templates[0].values = [];
      },
      '/templates/0/values',
    ],
    [
      'service offering status',
      (d) => {
        d.serviceOfferings[0].status = 'live';
      },
      '/serviceOfferings/0/status',
    ],
    [
      'more than 50 questions',
      (d) => {
        d.requestOfferings[0].questions = Array(51).fill(d.requestOfferings[0].questions[2]);
      },
      '/requestOfferings/0/questions',
    ],
    [
      'question without mapsTo',
      (d) => {
        delete d.requestOfferings[0].questions[0].mapsTo;
      },
      '/requestOfferings/0/questions/0/mapsTo: missing',
    ],
    [
      'subscription event',
      (d) => {
        d.notificationSubscriptions[0].event = 'deleted';
      },
      '/notificationSubscriptions/0/event',
    ],
    [
      'no recipients',
      (d) => {
        d.notificationSubscriptions[0].recipients = [];
      },
      '/notificationSubscriptions/0/recipients',
    ],
    [
      'view without columns',
      (d) => {
        d.views[0].columns = [];
      },
      '/views/0/columns',
    ],
    [
      'sort direction',
      (d) => {
        d.views[0].sort[0].direction = 'up';
      },
      '/views/0/sort/0/direction',
    ],
    [
      'criterion operator',
      (d) => {
        d.views[0].criteria[0].operator = 'like';
      },
      '/views/0/criteria/0/operator',
    ],
    [
      'seal algorithm',
      (d) => {
        d.seal = { algorithm: 'rsa', publicKey: 'A'.repeat(60), signature: `${'A'.repeat(86)}==` };
      },
      '/seal/algorithm',
    ],
    [
      'seal signature',
      (d) => {
        d.seal = { algorithm: 'ed25519', publicKey: 'A'.repeat(60), signature: 'abc' };
      },
      '/seal/signature',
    ],
    // rules (pack-rules.ts)
    [
      'id not namespaced',
      (d) => {
        d.classExtensions[0].properties[0].id = 'other.pack.site';
      },
      '/classExtensions/0/properties/0/id: other.pack.site is not namespaced',
    ],
    [
      'id twice',
      (d) => {
        d.templates[1].id = d.templates[0].id;
      },
      '/templates/1/id: contoso.servicedesk.printer-jam is already the id of /templates/0/id',
    ],
    [
      'unknown class',
      (d) => {
        d.classExtensions[0].class = 'ticket';
      },
      '/classExtensions/0/class: no class ticket',
    ],
    [
      'list without list',
      (d) => {
        delete d.classExtensions[0].properties[0].list;
      },
      '/classExtensions/0/properties/0/list: missing',
    ],
    [
      'string without maxLength',
      (d) => {
        delete d.classExtensions[0].properties[5].maxLength;
      },
      '/classExtensions/0/properties/5/maxLength: missing',
    ],
    [
      'maxLength on an integer',
      (d) => {
        d.classExtensions[0].properties[2].maxLength = 4;
      },
      '/classExtensions/0/properties/2/maxLength: not a key of type integer',
    ],
    [
      'unknown list',
      (d) => {
        d.classExtensions[0].properties[0].list = 'contoso.servicedesk.nope';
      },
      '/classExtensions/0/properties/0/list: no list contoso.servicedesk.nope',
    ],
    [
      'default of the wrong type',
      (d) => {
        d.classExtensions[0].properties[3].default = 'yes';
      },
      '/classExtensions/0/properties/3/default: must be true or false',
    ],
    [
      'default not an item',
      (d) => {
        d.classExtensions[0].properties[1].default = 'x';
      },
      '/classExtensions/0/properties/1/default: must be an item id',
    ],
    [
      'template field unknown',
      (d) => {
        d.templates[0].values.colour = 'red';
      },
      '/templates/0/values/colour: class incident has no field colour',
    ],
    [
      'template priority 9',
      (d) => {
        d.templates[0].values.priority = 9;
      },
      '/templates/0/values/priority',
    ],
    [
      'offering template missing',
      (d) => {
        d.requestOfferings[0].template = 'contoso.servicedesk.none';
      },
      '/requestOfferings/0/template: no template',
    ],
    [
      'offering service missing',
      (d) => {
        d.requestOfferings[0].serviceOffering = 'contoso.servicedesk.none';
      },
      '/requestOfferings/0/serviceOffering',
    ],
    [
      'question type differs',
      (d) => {
        d.requestOfferings[0].questions[1].type = 'boolean';
        delete d.requestOfferings[0].questions[1].maxLength;
      },
      '/requestOfferings/0/questions/1/mapsTo: field contoso.servicedesk.cost-centre is of type string',
    ],
    [
      'mapsTo unknown',
      (d) => {
        d.requestOfferings[0].questions[2].mapsTo = 'status';
      },
      '/requestOfferings/0/questions/2/mapsTo',
    ],
    [
      'view column unknown',
      (d) => {
        d.views[0].columns[0] = 'colour';
      },
      '/views/0/columns/0: class incident has no field colour',
    ],
    [
      'criterion value not a list item',
      (d) => {
        d.views[0].criteria[0].value = 'London';
      },
      '/views/0/criteria/0/value: must be an item id',
    ],
    [
      '"in" without an array',
      (d) => {
        d.views[0].criteria[1].value = 'active';
      },
      '/views/0/criteria/1/value: must be a non-empty array',
    ],
    [
      'is-null with a value',
      (d) => {
        d.views[0].criteria[1].operator = 'is-null';
      },
      '/views/0/criteria/1/value: not taken by is-null',
    ],
    [
      'recipient user without user',
      (d) => {
        d.notificationSubscriptions[0].recipients[0] = { kind: 'user' };
      },
      '/notificationSubscriptions/0/recipients/0: needs user',
    ],
    [
      'reference to a missing pack',
      (d) => {
        d.references[0].id = 'acme.base';
      },
      '/references/0/id: no imported pack acme.base',
    ],
    [
      'reference too old',
      (d) => {
        d.references[0].minVersion = '2.0.0.0';
      },
      '/references/0/minVersion: pack smgr.workitems is version 1.0.0.0',
    ],
    [
      'classes outside built-in packs',
      (d) => {
        d.classes = [{ id: 'contoso.servicedesk.c', name: 'ticket', kind: 'work-item' }];
      },
      '/classes: only built-in packs',
    ],
    [
      'list of an unreferenced pack',
      (d) => {
        d.references = [];
        d.classExtensions[0].properties[0] = {
          id: 'contoso.servicedesk.st',
          name: 'S',
          type: 'list',
          list: 'smgr.workitems.status',
        };
      },
      '/classExtensions/0/properties/0/list: list smgr.workitems.status is in pack smgr.workitems, which this pack does not reference',
    ],
  ];

  test('a property of another pack is used only from a referenced pack', () => {
    const others = new PackCatalog([...builtInPacks(), docExample() as never]);
    const doc = {
      ...minimal(),
      views: [
        {
          id: 'acme.desk.v',
          name: 'V',
          class: 'incident',
          criteria: [],
          columns: ['contoso.servicedesk.site'],
          sort: [],
        },
      ],
    };
    assert.match(
      problemsOf(doc, others),
      /\/views\/0\/columns\/0: property contoso\.servicedesk\.site is in pack contoso\.servicedesk, which this pack does not reference/,
    );
    assert.equal(
      problemsOf({ ...doc, references: [{ id: 'contoso.servicedesk', minVersion: '1.0.0.0' }] }, others),
      '',
    );
  });

  test(`${malformed.length} malformed packs are each refused naming the JSON path`, () => {
    assert.ok(malformed.length >= 30);
    for (const [what, mutate, expected] of malformed) {
      const doc = docExample();
      const replaced = mutate(doc);
      const problems = problemsOf(replaced === undefined ? doc : replaced);
      assert.ok(problems.includes(expected), `${what}: expected "${expected}" in "${problems}"`);
    }
  });

  test('mutations of valid packs never crash the checks', () => {
    let seed = 0x5eed;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const junk = [
      null,
      0,
      -1,
      1.5,
      2 ** 60,
      '',
      'x'.repeat(300),
      true,
      [],
      {},
      [null],
      { id: 1 },
      'smgr.workitems',
      '1.0.0.0',
    ];
    const paths = (v: unknown, at: Array<string | number> = [], out: Array<Array<string | number>> = []) => {
      out.push(at);
      if (v && typeof v === 'object')
        for (const [k, c] of Object.entries(v)) paths(c, [...at, Array.isArray(v) ? Number(k) : k], out);
      return out;
    };
    const sources = [docExample, () => structuredClone(builtInPacks()[0]) as Doc];
    let refused = 0;
    for (let i = 0; i < 2000; i++) {
      const doc = sources[rand(sources.length)]!();
      for (let m = 1 + rand(3); m > 0; m--) {
        const all = paths(doc).filter((p) => p.length > 0);
        const p = all[rand(all.length)]!;
        const parent = p.slice(0, -1).reduce((o: Doc | undefined, k) => o?.[k], doc);
        if (!parent || typeof parent !== 'object') continue;
        const key = p.at(-1)!;
        switch (rand(4)) {
          case 0:
            if (Array.isArray(parent)) parent.splice(Number(key), 1);
            else delete parent[key];
            break;
          case 1:
            parent[key] = structuredClone(junk[rand(junk.length)]);
            break;
          case 2:
            if (Array.isArray(parent)) parent.push(structuredClone(parent[0]));
            else parent[`k${rand(5)}`] = 1;
            break;
          default:
            if (typeof parent[key] === 'string') parent[key] = `${parent[key]}${'.x'.repeat(rand(3))}`;
        }
      }
      if (problemsOf(doc) !== '') refused++;
    }
    assert.ok(refused > 1000, `only ${refused} of 2000 mutations refused`);
  });
});
