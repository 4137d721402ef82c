/**
 * The management_packs table (migration v5, docs/MANAGEMENT-PACKS.md §7):
 * one row per pack id, never deleted (removal sets removed_at). Parameterised
 * SQL only; writers hold the managementPacks lock (import-pack.ts).
 */
import type { Queryable } from '../db/database.js';
import { builtInPacks } from './built-in-packs.js';
import { PackCatalog } from './pack-catalog.js';
import type { Pack } from './pack-schema.js';
import { compareVersions } from './pack-version.js';

export interface StoredPack {
  id: string;
  version: string;
  name: string;
  sealed: boolean;
  keyFingerprint: string | null;
  importedAt: string;
  importedBy: string;
  removedAt: string | null;
  document: Pack;
}

interface PackRow extends Record<string, unknown> {
  id: string;
  version: string;
  name: string;
  sealed: boolean;
  key_fingerprint: string | null;
  imported_at: Date;
  imported_by: string;
  removed_at: Date | null;
  document: Pack;
}

const COLUMNS = 'id, version, name, sealed, key_fingerprint, imported_at, imported_by, removed_at, document';

const fromRow = (r: PackRow): StoredPack => ({
  id: r.id,
  version: r.version,
  name: r.name,
  sealed: r.sealed,
  keyFingerprint: r.key_fingerprint,
  importedAt: r.imported_at.toISOString(),
  importedBy: r.imported_by,
  removedAt: r.removed_at ? r.removed_at.toISOString() : null,
  document: r.document,
});

export async function listPacks(
  db: Queryable,
  options: { includeRemoved?: boolean } = {},
): Promise<StoredPack[]> {
  const r = await db.query<PackRow>(
    `SELECT ${COLUMNS} FROM management_packs WHERE $1::boolean OR removed_at IS NULL ORDER BY id`,
    [options.includeRemoved ?? false],
  );
  return r.rows.map(fromRow);
}

export async function getPack(db: Queryable, id: string): Promise<StoredPack | undefined> {
  const r = await db.query<PackRow>(`SELECT ${COLUMNS} FROM management_packs WHERE id = $1`, [id]);
  return r.rows[0] ? fromRow(r.rows[0]) : undefined;
}

export async function writePack(
  db: Queryable,
  p: { document: Pack; sealed: boolean; keyFingerprint: string | null; actor: string },
): Promise<void> {
  await db.query(
    `INSERT INTO management_packs (id, version, name, sealed, key_fingerprint, document, imported_by)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
     ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, name = EXCLUDED.name, sealed = EXCLUDED.sealed,
       key_fingerprint = EXCLUDED.key_fingerprint, document = EXCLUDED.document, imported_at = now(),
       imported_by = EXCLUDED.imported_by, removed_at = NULL`,
    [
      p.document.id,
      p.document.version,
      p.document.name,
      p.sealed,
      p.keyFingerprint,
      JSON.stringify(p.document),
      p.actor,
    ],
  );
}

export async function hidePack(db: Queryable, id: string): Promise<void> {
  await db.query('UPDATE management_packs SET removed_at = now() WHERE id = $1 AND removed_at IS NULL', [id]);
}

/**
 * The imported, not removed packs, and the built-in ones, which always exist
 * (a database set up before packs, or a test database, has them too): of a
 * built-in pack, the newer of the stored version and the one this smgr
 * ships, so a server upgraded before its setup re-imported them already
 * follows its own.
 */
export async function activePacks(db: Queryable): Promise<Pack[]> {
  const stored = await listPacks(db);
  const byId = new Map(stored.map((p) => [p.id, p.document]));
  for (const b of builtInPacks()) {
    const have = byId.get(b.id);
    if (!have || compareVersions(b.version, have.version) > 0) byId.set(b.id, b);
  }
  return [...byId.values()];
}

export async function activeCatalog(db: Queryable): Promise<PackCatalog> {
  return new PackCatalog(await activePacks(db));
}
