/**
 * COPY text rows (copy-text.ts) loaded into a real table by `copyIn`, on
 * both engines: every value comes back as it was, whatever it holds
 * (backslashes, tabs, newlines, carriage returns, `\N` as text, JSON with
 * escapes, non-ASCII), fuzzed with random strings over those characters.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES } from '../../test/support/engines.js';
import { copyTextField, copyTextRows } from './copy-text.js';
import type { Database } from './database.js';

async function* once(text: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(text);
}

const ALPHABET = [
  'a',
  'Z',
  '0',
  ' ',
  '\\',
  '\t',
  '\n',
  '\r',
  'N',
  '"',
  "'",
  'é',
  '€',
  '𝄞',
  '\u2028',
  '.',
  '{',
];

/** A random string of 0-40 characters drawn from ALPHABET (seeded: the same strings every run). */
function randomStrings(n: number, seed: number): string[] {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  return Array.from({ length: n }, () =>
    Array.from(
      { length: Math.floor(next() * 41) },
      () => ALPHABET[Math.floor(next() * ALPHABET.length)],
    ).join(''),
  );
}

test('a field: NULL as \\N, the four special characters escaped, the rest as it is', () => {
  assert.equal(copyTextField(null), '\\N');
  assert.equal(copyTextField(undefined), '\\N');
  assert.equal(copyTextField('\\N'), '\\\\N');
  assert.equal(copyTextField('a\tb\nc\rd\\e'), 'a\\tb\\nc\\rd\\\\e');
  assert.equal(copyTextField(42), '42');
  assert.equal(copyTextField(true), 'true');
  assert.equal(copyTextField('plain é'), 'plain é');
  assert.equal(
    copyTextRows([
      ['a', null],
      ['b\tc', 1],
    ]),
    'a\t\\N\nb\\tc\t1\n',
  );
});

for (const makeFixture of ENGINES) {
  const fx = makeFixture();
  describe(`copy text through copyIn (${fx.name})`, () => {
    let db: Database;
    before(async () => {
      db = await fx.open(await fx.newDatabaseUrl());
      await db.query('CREATE TABLE c (id int PRIMARY KEY, s text, j jsonb, at timestamptz)');
    });
    after(async () => {
      await db.close();
      await fx.cleanup();
    });

    test('every value back as it was: 500 random strings, in text and inside JSON', async () => {
      const strings = ['', '\\N', 'NULL', ...randomStrings(500, 7)];
      const at = '2026-12-01T04:30:00.123Z';
      const rows = strings.map((s, i) => [i, s, JSON.stringify({ s, n: i }), at]);
      const loaded = await db.transaction((tx) => tx.copyIn('c (id, s, j, at)', once(copyTextRows(rows))));
      assert.equal(loaded, strings.length);
      const back = await db.query<{ id: number; s: string; j: { s: string; n: number }; at: Date }>(
        'SELECT id, s, j, at FROM c ORDER BY id',
      );
      assert.equal(back.rows.length, strings.length);
      for (const r of back.rows) {
        assert.equal(r.s, strings[r.id], `row ${r.id}`);
        assert.deepEqual(r.j, { s: strings[r.id], n: r.id });
        assert.equal(new Date(r.at).toISOString(), at);
      }
    });

    test('NULL fields load as NULL', async () => {
      await db.transaction((tx) =>
        tx.copyIn('c (id, s, j, at)', once(copyTextRows([[10_000, null, null, null]]))),
      );
      const r = await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM c WHERE id = 10000 AND s IS NULL AND j IS NULL AND at IS NULL',
      );
      assert.equal(r.rows[0]!.n, 1);
    });
  });
}
