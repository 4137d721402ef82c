/**
 * The archive format of docs/FORMAT.md §2: entry names, the header and the
 * manifest, and their validation. Writer and reader both take their
 * constants from here, so they cannot disagree.
 */
import { SmgrError } from '../errors/smgr-error.js';

export const ARCHIVE_FORMAT = 'smgr-backup';
export const ARCHIVE_VERSION = 1;
export const SUMMARY_FORMAT = 'smgr-backup-summary';
export const HEADER_ENTRY = 'smbak/header.json';
export const MANIFEST_ENTRY = 'smbak/manifest.json';
/** §2.6 rule 3: a slice is cut after the first LF past this many bytes. */
export const SLICE_BYTES = 8 * 1024 * 1024;
/** §2.5 rule 4. */
export const MAX_SLICE_COMPRESSED = 16 * 1024 * 1024;
export const MAX_JSON_ENTRY = 1024 * 1024;

export interface TablePlan {
  name: string;
  columns: string[];
}

export interface DatabasePlan {
  name: string;
  engine: 'embedded' | 'server';
  serverVersion: string;
  schemaVersion: number;
  tables: TablePlan[];
}

export interface ArchiveHeader {
  format: typeof ARCHIVE_FORMAT;
  version: typeof ARCHIVE_VERSION;
  smgrVersion: string;
  createdAt: string;
  managementGroup: { id: string; name: string };
  databases: DatabasePlan[];
}

export interface TableStats {
  rows: number;
  bytes: number;
  sha256: string;
  slices: number;
  compressedBytes: number;
}

export interface ArchiveManifest extends Omit<ArchiveHeader, 'databases'> {
  finishedAt: string;
  databases: Array<Omit<DatabasePlan, 'tables'> & { tables: Array<TablePlan & TableStats> }>;
  keys: Array<{ keyId: string; part: string; verifier: string }>;
  computers: Array<{ computerName: string; part: string; role: string }>;
  managementPacks: Array<{ name: string; version: string; sealed: boolean }>;
}

const NAME = /^[a-z_][a-z0-9_]*$/;
const DB_NAME = /^[A-Za-z][A-Za-z0-9]*$/;
const SLICE = /^db\/([A-Za-z][A-Za-z0-9]*)\/([a-z_][a-z0-9_]*)\/(\d{6})\.copy\.br$/;

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

/** Validates a parsed header (§2.3, §2.5 rule 2): format and version first. */
export function checkHeader(value: unknown, file: string): ArchiveHeader {
  const h = value as Partial<ArchiveHeader> | null;
  if (!h || typeof h !== 'object' || h.format !== ARCHIVE_FORMAT) {
    throw new SmgrError('ARCHIVE_NOT_AN_ARCHIVE', { path: file });
  }
  if (h.version !== ARCHIVE_VERSION) {
    throw new SmgrError('ARCHIVE_VERSION', { path: file, found: String(h.version), known: ARCHIVE_VERSION });
  }
  const bad = (reason: string) => new SmgrError('ARCHIVE_MALFORMED', { path: file, reason });
  if (typeof h.managementGroup?.id !== 'string' || typeof h.managementGroup?.name !== 'string') {
    throw bad('the header names no management group');
  }
  if (typeof h.createdAt !== 'string' || typeof h.smgrVersion !== 'string')
    throw bad('the header has no time or version');
  if (!Array.isArray(h.databases) || h.databases.length === 0) throw bad('the header lists no database');
  for (const db of h.databases) checkPlan(db, bad);
  return h as ArchiveHeader;
}

function checkPlan(db: DatabasePlan, bad: (r: string) => SmgrError): void {
  if (!db || typeof db.name !== 'string' || !DB_NAME.test(db.name))
    throw bad('a database has an invalid name');
  if (!Number.isInteger(db.schemaVersion) || db.schemaVersion < 1)
    throw bad(`database ${db.name} has no schema version`);
  if (!Array.isArray(db.tables)) throw bad(`database ${db.name} lists no tables`);
  const seen = new Set<string>();
  for (const t of db.tables) {
    if (!t || typeof t.name !== 'string' || !NAME.test(t.name) || seen.has(t.name)) {
      throw bad(`database ${db.name} has an invalid table entry`);
    }
    seen.add(t.name);
    if (
      !Array.isArray(t.columns) ||
      t.columns.length === 0 ||
      !t.columns.every((c) => typeof c === 'string' && NAME.test(c))
    ) {
      throw bad(`table ${db.name}.${t.name} has invalid columns`);
    }
  }
}

/** Validates the manifest against the header it must repeat (§2.4). */
export function checkManifest(value: unknown, header: ArchiveHeader, file: string): ArchiveManifest {
  const m = value as Partial<ArchiveManifest> | null;
  const bad = (reason: string) => new SmgrError('ARCHIVE_MALFORMED', { path: file, reason });
  if (!m || m.format !== ARCHIVE_FORMAT || m.version !== ARCHIVE_VERSION)
    throw bad('the manifest has another format');
  if (m.managementGroup?.id !== header.managementGroup.id)
    throw bad('the manifest names another management group');
  if (!Array.isArray(m.databases) || m.databases.length !== header.databases.length) {
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
      if (
        !Number.isSafeInteger(t.rows) ||
        !Number.isSafeInteger(t.bytes) ||
        !/^[0-9a-f]{64}$/.test(t.sha256)
      ) {
        throw bad(`the manifest's table ${db.name}.${t.name} has no valid counts and hash`);
      }
    });
  });
  if (!Array.isArray(m.keys) || !Array.isArray(m.computers))
    throw bad('the manifest has no keys or computers');
  return m as ArchiveManifest;
}
