/**
 * The backups in a directory (docs/FORMAT.md §2.6 rule 2, §2.7): whole
 * archives are the `*.smbak` files; their summaries say what they hold
 * without decrypting them. Leftovers of crashed backups (`*.partial`, a
 * summary without its archive) are never listed, and removeLeftovers() —
 * called by the next backup of the group, which holds the group's backup
 * lock — deletes them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SUMMARY_FORMAT } from './archive-format.js';

export interface BackupListEntry {
  file: string;
  size: number;
  createdAt: string | null;
  managementGroup: { id: string; name: string } | null;
  databases: Array<{ name: string; tables: Array<{ name: string; rows: number }> }>;
  /** False when the summary is missing or unreadable (the archive itself may still be whole). */
  summarized: boolean;
}

export function listBackups(directory: string): BackupListEntry[] {
  if (!fs.existsSync(directory)) return [];
  const entries = fs
    .readdirSync(directory)
    .filter((n) => n.endsWith('.smbak'))
    .map((n) => describe(path.join(directory, n)));
  return entries.sort(
    (a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? '') || b.file.localeCompare(a.file),
  );
}

function describe(file: string): BackupListEntry {
  const size = fs.statSync(file).size;
  try {
    const s = JSON.parse(fs.readFileSync(`${file}.json`, 'utf8'));
    if (s.format !== SUMMARY_FORMAT) throw new Error('not a summary');
    return {
      file,
      size,
      createdAt: s.createdAt,
      managementGroup: s.managementGroup,
      databases: s.databases,
      summarized: true,
    };
  } catch {
    return {
      file,
      size,
      createdAt: fs.statSync(file).mtime.toISOString(),
      managementGroup: null,
      databases: [],
      summarized: false,
    };
  }
}

/** Deletes this group's leftovers of crashed backups in `directory`. */
export function removeLeftovers(directory: string, groupName: string): string[] {
  const prefix = `${groupName.replace(/[^A-Za-z0-9-]/g, '-')}-`;
  const removed: string[] = [];
  for (const n of fs.readdirSync(directory)) {
    if (!n.startsWith(prefix)) continue;
    const p = path.join(directory, n);
    const orphanSummary = n.endsWith('.smbak.json') && !fs.existsSync(p.slice(0, -'.json'.length));
    if (n.endsWith('.smbak.partial') || orphanSummary) {
      fs.rmSync(p, { force: true });
      removed.push(n);
    }
  }
  return removed;
}
