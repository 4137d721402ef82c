import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Type } from 'typebox';
import { checkSchema, schemaProblems } from './check-schema.js';

const Doc = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    kind: Type.Union([Type.Literal('a'), Type.Literal('b')]),
    level: Type.Optional(Type.Enum(['low', 'high'])),
    inner: Type.Optional(Type.Object({ n: Type.Integer({ minimum: 1 }) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

test('a conforming document has no problems and is answered as it is', () => {
  const doc = { name: 'x', kind: 'a', inner: { n: 2 } };
  assert.deepEqual(schemaProblems(Doc, doc), []);
  assert.equal(
    checkSchema(Doc, doc, () => new Error('no')),
    doc,
  );
});

test('problems name the JSON path: unknown key, missing key, allowed values, bounds', () => {
  assert.deepEqual(schemaProblems(Doc, { name: 'x', kind: 'a', inner: { n: 1, extra: 1 } }), [
    '/inner/extra: unknown key',
  ]);
  assert.deepEqual(schemaProblems(Doc, { kind: 'a' }), ['/name: missing']);
  assert.deepEqual(schemaProblems(Doc, { name: 'x', kind: 'c' }), ['/kind: must be one of "a", "b"']);
  assert.deepEqual(schemaProblems(Doc, { name: 'x', kind: 'a', level: 'mid' }), [
    '/level: must be one of "low", "high"',
  ]);
  assert.deepEqual(schemaProblems(Doc, { name: 'x', kind: 'a', inner: { n: 0 } }), [
    '/inner/n: must be >= 1',
  ]);
  assert.throws(
    () => checkSchema(Doc, 5, (p) => new Error(p)),
    (e: Error) => e.message.length > 0,
  );
});
