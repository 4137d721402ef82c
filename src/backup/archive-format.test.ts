/** The header and manifest schemas (docs/FORMAT.md §2.3, §2.4), checked without an archive around them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSmgrError } from '../errors/smgr-error.js';
import { type ArchiveHeader, type ArchiveManifest, checkHeader, checkManifest } from './archive-format.js';

const header: ArchiveHeader = {
  format: 'smgr-backup',
  version: 1,
  smgrVersion: '0.1.0',
  createdAt: '2026-11-25T03:04:05.678Z',
  managementGroup: { id: '0e0f8a57-6c7d-4c55-9d5b-3d9a4f1b2c3d', name: 'Contoso' },
  databases: [
    {
      name: 'ServiceManager',
      engine: 'server',
      serverVersion: '15.20',
      schemaVersion: 3,
      tables: [{ name: 'work_items', columns: ['id', 'title'] }],
    },
  ],
};
const manifest: ArchiveManifest = {
  ...header,
  finishedAt: '2026-11-25T03:04:06.000Z',
  databases: [
    {
      ...header.databases[0]!,
      tables: [
        {
          name: 'work_items',
          columns: ['id', 'title'],
          rows: 2,
          bytes: 20,
          sha256: 'a'.repeat(64),
          slices: 1,
          compressedBytes: 9,
        },
      ],
    },
  ],
  keys: [{ keyId: 'mg-0123456789abcdef', part: 'management-group', verifier: 'ab' }],
  computers: [{ computerName: 'sm01', part: 'management-server', role: 'workflow' }],
  managementPacks: [],
};
const clone = <T>(v: T): T => structuredClone(v);

function refused(fn: () => unknown, code: string, message: RegExp): void {
  assert.throws(fn, (e) => {
    assert.ok(isSmgrError(e), String(e));
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

test('a header and manifest as smgr writes them pass, unknown members ignored', () => {
  assert.deepEqual(checkHeader({ ...clone(header), later: 1 }, 'f'), { ...header, later: 1 });
  assert.equal(checkManifest(clone(manifest), header, 'f').finishedAt, manifest.finishedAt);
});

test('format, then version, then the schema naming the member', () => {
  refused(
    () => checkHeader({ ...header, format: 'tar' }, 'f'),
    'ARCHIVE_NOT_AN_ARCHIVE',
    /not an smgr backup/,
  );
  refused(() => checkHeader({ ...header, version: 9, databases: 5 }, 'f'), 'ARCHIVE_VERSION', /version 9/);
  const badColumn = clone(header);
  badColumn.databases[0]!.tables[0]!.columns[1] = 'Title; DROP';
  refused(
    () => checkHeader(badColumn, 'f'),
    'ARCHIVE_MALFORMED',
    /\/databases\/0\/tables\/0\/columns\/1: must match/,
  );
  const twice = clone(header);
  twice.databases[0]!.tables.push(clone(twice.databases[0]!.tables[0]!));
  refused(() => checkHeader(twice, 'f'), 'ARCHIVE_MALFORMED', /\/databases\/0\/tables: names a table twice/);
  refused(
    () => checkHeader({ ...clone(header), managementGroup: { name: 'x' } }, 'f'),
    'ARCHIVE_MALFORMED',
    /\/managementGroup\/id: missing/,
  );
});

test('a manifest must repeat the header and carry counts and hashes', () => {
  const noHash = clone(manifest);
  noHash.databases[0]!.tables[0]!.sha256 = 'xyz';
  refused(() => checkManifest(noHash, header, 'f'), 'ARCHIVE_MALFORMED', /sha256: must match/);
  const other = clone(manifest);
  other.databases[0]!.tables[0]!.columns = ['id'];
  refused(() => checkManifest(other, header, 'f'), 'ARCHIVE_MALFORMED', /work_items differs from the header/);
  const rows = clone(manifest) as unknown as { databases: Array<{ tables: Array<{ rows: unknown }> }> };
  rows.databases[0]!.tables[0]!.rows = 1.5;
  refused(() => checkManifest(rows, header, 'f'), 'ARCHIVE_MALFORMED', /rows: must be integer/);
});
