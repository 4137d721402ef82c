/**
 * The archive format of docs/FORMAT.md §2: entry names, size limits, the
 * header and the manifest as TypeBox schemas (their types derived from
 * them), and their validation through src/schema/check-schema.ts. Writer
 * and reader both take their constants from here, so they cannot disagree.
 */
import { type Static, type TSchema, Type } from 'typebox';
import { SmgrError } from '../errors/smgr-error.js';
import { checkSchema } from '../schema/check-schema.js';

export const ARCHIVE_FORMAT = 'smgr-backup';
/** The version writers write for a management group (§2.10): 2, authenticated. */
export const ARCHIVE_VERSION = 2;
/** The version writers write for every other part (§2.12): 3, naming its part. */
export const ARCHIVE_VERSION_PARTS = 3;
/** The versions readers read: 1 (unauthenticated; restored only when asked), 2 and 3. */
export const ARCHIVE_VERSIONS_READ: readonly number[] = [1, 2, 3];

/** §2.12: the parts that write archives, and the databases of each, in archive order. */
export const ARCHIVE_PARTS = {
  'management-server': ['ServiceManager'],
  'data-warehouse': ['DWStagingAndConfig', 'DWRepository', 'DWDataMart'],
} as const;
export type ArchivePart = keyof typeof ARCHIVE_PARTS;

/** The part an archive's header names (versions 1 and 2: the management server). */
export const archivePart = (h: { part?: ArchivePart }): ArchivePart => h.part ?? 'management-server';
export const SUMMARY_FORMAT = 'smgr-backup-summary';
export const HEADER_ENTRY = 'smbak/header.json';
export const MANIFEST_ENTRY = 'smbak/manifest.json';
/** Version 2: the MACs of the header and the manifest, each the entry after the one it authenticates. */
export const HEADER_MAC_ENTRY = 'smbak/header.mac';
export const MANIFEST_MAC_ENTRY = 'smbak/manifest.mac';
/** §2.6 rule 3: a slice is cut at the first row end at or past this many bytes; a longer row is a slice alone. */
export const SLICE_BYTES = 8 * 1024 * 1024;
/** §2.5 rule 4: the most COPY text a slice may decompress to (writers refuse a row that would exceed it). */
export const MAX_SLICE_PLAIN = 64 * 1024 * 1024;
/** §2.5 rule 4: the largest compressed slice entry. */
export const MAX_SLICE_COMPRESSED = 16 * 1024 * 1024;
export const MAX_JSON_ENTRY = 1024 * 1024;
/** §2.5 rule 4: a MAC entry (64 hex digits). */
export const MAX_MAC_ENTRY = 64;
/** §2.2: the largest named entry of version 2 (other than slices). */
export const MAX_NAMED_ENTRY = 16 * 1024 * 1024;

const TableName = Type.String({ pattern: '^[a-z_][a-z0-9_]*$' });
const Group = Type.Object({
  id: Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' }),
  name: Type.String({ minLength: 1, maxLength: 64 }),
});
const Time = Type.String({ minLength: 1 });
const distinctNames = <T extends { name: string }>(items: readonly T[]) =>
  new Set(items.map((t) => t.name)).size === items.length;

const TablePlanSchema = Type.Object({ name: TableName, columns: Type.Array(TableName, { minItems: 1 }) });
const databasePlan = <T extends TSchema>(table: T) =>
  Type.Object({
    name: Type.String({ pattern: '^[A-Za-z][A-Za-z0-9]*$' }),
    engine: Type.Union([Type.Literal('embedded'), Type.Literal('server')]),
    serverVersion: Type.String(),
    schemaVersion: Type.Integer({ minimum: 1 }),
    tables: Type.Refine(Type.Array(table), distinctNames, () => 'names a table twice'),
  });

const Hex64 = Type.String({ pattern: '^[0-9a-f]{64}$' });

/** §2.3, version 2: which key authenticates the archive, and the age header it travels in. */
const AuthenticationSchema = Type.Object({
  algorithm: Type.Literal('HMAC-SHA256'),
  keyId: Type.String({ pattern: '^(mg|dw)-[0-9a-f]{16}$' }),
  ageHeader: Hex64,
});

const headerMembers = {
  format: Type.Literal(ARCHIVE_FORMAT),
  version: Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)]),
  smgrVersion: Type.String({ minLength: 1 }),
  createdAt: Time,
  managementGroup: Group,
  /** §2.12, version 3 only (required there): whose databases these are. */
  part: Type.Optional(Type.Union([Type.Literal('management-server'), Type.Literal('data-warehouse')])),
  databases: Type.Refine(
    Type.Array(databasePlan(TablePlanSchema), { minItems: 1 }),
    distinctNames,
    () => 'names a database twice',
  ),
  authentication: Type.Optional(AuthenticationSchema),
};

/**
 * §2.3: the header, first entry. Unknown members are ignored. `authentication` is there exactly in
 * versions 2 and 3, `part` exactly in version 3 (§2.12), and the databases are those of the part.
 */
export const ArchiveHeaderSchema = Type.Refine(
  Type.Refine(
    Type.Refine(
      Type.Object(headerMembers),
      (h) => h.version >= 2 === (h.authentication !== undefined),
      (h) =>
        (h as { version: number }).version >= 2
          ? 'has no authentication'
          : 'has authentication, which version 1 has not',
    ),
    (h) => (h.version === 3) === (h.part !== undefined),
    (h) =>
      (h as { version: number }).version === 3 ? 'names no part' : 'names a part, which only version 3 does',
  ),
  (h) =>
    h.version === 1 ||
    JSON.stringify(h.databases.map((d) => d.name)) === JSON.stringify(ARCHIVE_PARTS[archivePart(h)]),
  (h) =>
    `holds the databases (${(h as { databases: Array<{ name: string }> }).databases.map((d) => d.name).join(', ')}), not those of a ${archivePart(h as { part?: ArchivePart })} (${ARCHIVE_PARTS[archivePart(h as { part?: ArchivePart })].join(', ')})`,
);

const TableStatsSchema = Type.Object({
  rows: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  bytes: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  slices: Type.Integer({ minimum: 0 }),
  compressedBytes: Type.Integer({ minimum: 0 }),
});

/** §2.2, version 2: a named entry other than a slice, as the manifest lists it. */
const NamedEntrySchema = Type.Object({
  name: Type.String({ maxLength: 255 }),
  bytes: Type.Integer({ minimum: 0, maximum: MAX_NAMED_ENTRY }),
  sha256: Hex64,
});

/** §2.4: the manifest, last entry: the header's members, the tables' statistics, keys, computers, packs. */
export const ArchiveManifestSchema = Type.Object({
  ...headerMembers,
  finishedAt: Time,
  /** Version 2: the header's MAC, so the manifest's MAC covers the header too. */
  headerMac: Type.Optional(Hex64),
  /** Version 2: every named entry (§2.2), in archive order. */
  entries: Type.Optional(Type.Array(NamedEntrySchema)),
  databases: Type.Array(databasePlan(Type.Intersect([TablePlanSchema, TableStatsSchema])), { minItems: 1 }),
  keys: Type.Array(
    Type.Object({
      keyId: Type.String(),
      part: Type.String(),
      verifier: Type.String({ pattern: '^[0-9a-f]*$' }),
    }),
  ),
  computers: Type.Array(
    Type.Object({ computerName: Type.String(), part: Type.String(), role: Type.String() }),
  ),
  managementPacks: Type.Array(
    Type.Object({ name: Type.String(), version: Type.String(), sealed: Type.Boolean() }),
  ),
});

export type TablePlan = Static<typeof TablePlanSchema>;
export type TableStats = Static<typeof TableStatsSchema>;
export type ArchiveHeader = Static<typeof ArchiveHeaderSchema>;
export type DatabasePlan = ArchiveHeader['databases'][number];
export type ArchiveManifest = Static<typeof ArchiveManifestSchema>;
export type NamedEntry = Static<typeof NamedEntrySchema>;

const SLICE = /^db\/([A-Za-z][A-Za-z0-9]*)\/([a-z_][a-z0-9_]*)\/(\d{6})\.copy\.br$/;

/**
 * §2.2, version 2: a named entry is `<area>/<name>`, the area a lower-case
 * word other than `db` and `smbak` (e.g. `packs`, defined by the writer of
 * that area), the rest path segments of letters, digits, dots, hyphens and
 * underscores, none of them `.` or `..`.
 */
export function isNamedEntry(name: string): boolean {
  if (name.length > 255 || !/^[a-z][a-z0-9-]*(\/[A-Za-z0-9._-]+)+$/.test(name)) return false;
  const [area, ...rest] = name.split('/');
  return area !== 'db' && area !== 'smbak' && rest.every((s) => s !== '.' && s !== '..');
}

export function sliceEntryName(database: string, table: string, seq: number): string {
  return `db/${database}/${table}/${String(seq).padStart(6, '0')}.copy.br`;
}

export function parseSliceEntryName(
  name: string,
): { database: string; table: string; seq: number } | undefined {
  const m = SLICE.exec(name);
  return m ? { database: m[1]!, table: m[2]!, seq: Number(m[3]) } : undefined;
}

export function archiveFileStem(groupName: string, at: Date): string {
  const time = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${groupName.replace(/[^A-Za-z0-9-]/g, '-')}-${time}`;
}

/** Validates a parsed header (§2.3, §2.5 rule 2): format and version first, then its schema. */
export function checkHeader(value: unknown, file: string): ArchiveHeader {
  const h = value as { format?: unknown; version?: unknown } | null;
  if (!h || typeof h !== 'object' || h.format !== ARCHIVE_FORMAT) {
    throw new SmgrError('ARCHIVE_NOT_AN_ARCHIVE', { path: file });
  }
  if (typeof h.version !== 'number' || !ARCHIVE_VERSIONS_READ.includes(h.version)) {
    throw new SmgrError('ARCHIVE_VERSION', {
      path: file,
      found: String(h.version),
      known: ARCHIVE_VERSIONS_READ.join(' or '),
    });
  }
  return checkSchema(ArchiveHeaderSchema, value, (problems) =>
    malformed(file, `${HEADER_ENTRY}: ${problems}`),
  );
}

/** Validates the manifest (§2.4): its schema, then that it repeats the header. */
export function checkManifest(value: unknown, header: ArchiveHeader, file: string): ArchiveManifest {
  const m = checkSchema(ArchiveManifestSchema, value, (problems) =>
    malformed(file, `${MANIFEST_ENTRY}: ${problems}`),
  );
  const bad = (reason: string) => malformed(file, reason);
  if (m.managementGroup.id !== header.managementGroup.id)
    throw bad('the manifest names another management group');
  if (m.part !== header.part) throw bad('the manifest names another part than the header');
  if (m.databases.length !== header.databases.length) {
    throw bad('the manifest lists other databases than the header');
  }
  m.databases.forEach((db, i) => {
    const planned = header.databases[i]!;
    if (
      db.name !== planned.name ||
      db.schemaVersion !== planned.schemaVersion ||
      db.tables.length !== planned.tables.length
    ) {
      throw bad(`the manifest's database ${db.name} differs from the header`);
    }
    db.tables.forEach((t, j) => {
      const p = planned.tables[j]!;
      if (t.name !== p.name || JSON.stringify(t.columns) !== JSON.stringify(p.columns)) {
        throw bad(`the manifest's table ${db.name}.${t.name} differs from the header`);
      }
    });
  });
  return m;
}

function malformed(file: string, reason: string): SmgrError {
  return new SmgrError('ARCHIVE_MALFORMED', { path: file, reason });
}
