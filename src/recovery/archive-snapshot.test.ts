/** parseCopyText: PostgreSQL's COPY text format, as the archive holds a table's rows. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCopyText } from './archive-snapshot.js';

describe('parseCopyText', () => {
  it('splits rows and fields, reads \\N as null and undoes backslash escapes', () => {
    const text = 'mg-1\tmanagement-group\t\\\\x0aff\t\\N\nms01\ta\\tb\\nc\t\\\\\t2026\n';
    assert.deepEqual(parseCopyText(text, ['a', 'b', 'c', 'd']), [
      { a: 'mg-1', b: 'management-group', c: '\\x0aff', d: null },
      { a: 'ms01', b: 'a\tb\nc', c: '\\', d: '2026' },
    ]);
  });

  it('answers no rows for no text', () => {
    assert.deepEqual(parseCopyText('', ['a']), []);
  });
});
