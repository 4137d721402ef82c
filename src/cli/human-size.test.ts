import assert from 'node:assert/strict';
import { test } from 'node:test';
import { humanSize } from './human-size.js';

test('human sizes: bytes, then kB, MB, GB, TB with one decimal below 100', () => {
  const cases: Array<[number, string]> = [
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.0 kB'],
    [22_431, '22.4 kB'],
    [99_949, '99.9 kB'],
    [99_950, '100 kB'],
    [999_499, '999 kB'],
    [999_500, '1.0 MB'],
    [47_300_000, '47.3 MB'],
    [470_000_000, '470 MB'],
    [1_655_000_000, '1.7 GB'],
    [2_500_000_000_000, '2.5 TB'],
  ];
  for (const [bytes, text] of cases) assert.equal(humanSize(bytes), text, String(bytes));
});
