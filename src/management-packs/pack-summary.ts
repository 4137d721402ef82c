/** What lists show of a stored pack: who, when, sealed by which key, and how much of each kind of content. */
import type { StoredPack } from './pack-store.js';

export const CONTENT_KINDS = [
  'classes',
  'classExtensions',
  'enumerations',
  'templates',
  'serviceOfferings',
  'requestOfferings',
  'notificationSubscriptions',
  'views',
] as const;

export interface PackSummary {
  id: string;
  version: string;
  name: string;
  description: string | null;
  sealed: boolean;
  keyFingerprint: string | null;
  importedAt: string;
  importedBy: string;
  removedAt: string | null;
  references: Array<{ id: string; minVersion: string }>;
  contents: Record<(typeof CONTENT_KINDS)[number], number>;
}

export function packSummary(p: StoredPack): PackSummary {
  const d = p.document;
  const contents = Object.fromEntries(
    CONTENT_KINDS.map((k) => [k, d[k]?.length ?? 0]),
  ) as PackSummary['contents'];
  return {
    id: p.id,
    version: p.version,
    name: p.name,
    description: d.description ?? null,
    sealed: p.sealed,
    keyFingerprint: p.keyFingerprint,
    importedAt: p.importedAt,
    importedBy: p.importedBy,
    removedAt: p.removedAt,
    references: d.references ?? [],
    contents,
  };
}
