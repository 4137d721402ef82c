/**
 * What `smgr recover` learns from an archive before restoring it: the
 * archive verified whole (src/backup/check-archive.ts: identity, group,
 * authentication, every table's count and hash), and the rows of the few
 * ServiceManager tables the preflight checks read — the management group,
 * its key records (verifiers) and its registered computers — taken from
 * the COPY text as it streams by. Read-only: nothing is written.
 */
import type { ArchiveKeys } from '../backup/archive-keys.js';
import { checkArchive } from '../backup/check-archive.js';
import type { Progress } from '../backup/progress.js';
import type { ReadArchiveOptions } from '../backup/read-archive.js';
import type { GroupSnapshot } from './group-snapshot.js';

export interface ArchiveSnapshot {
  file: string;
  createdAt: string;
  authenticated: boolean;
  /** The group, keys and computers the restored database will hold. */
  group: GroupSnapshot;
  tables: Array<{ database: string; name: string; rows: number }>;
}

const CAPTURED = new Set(['key_records', 'computers']);

export async function readArchiveSnapshot(
  file: string,
  keys: ArchiveKeys & Pick<ReadArchiveOptions, 'open'>,
  progress: Progress,
): Promise<ArchiveSnapshot> {
  const captured = new Map<string, { columns: string[]; text: string[] }>();
  const checked = await checkArchive(file, keys, {
    progress,
    onSlice: async (database, table, data) => {
      if (database !== 'ServiceManager' || !CAPTURED.has(table.name)) return;
      const t = captured.get(table.name) ?? { columns: table.columns, text: [] };
      t.text.push(data.toString('utf8'));
      captured.set(table.name, t);
    },
  });
  const rows = (name: string) => {
    const t = captured.get(name);
    return t ? parseCopyText(t.text.join(''), t.columns) : [];
  };
  const { header, manifest } = checked;
  return {
    file,
    createdAt: header.createdAt,
    authenticated: checked.authenticated,
    group: {
      source: `the archive ${file}`,
      group: manifest.managementGroup,
      keyRecords: rows('key_records').map((r) => ({
        keyId: r.key_id ?? '',
        part: r.part ?? '',
        verifier: byteaOf(r.verifier),
      })),
      // A restore records every server of the snapshot as stopped: none is live once restored.
      registrations: rows('computers').map((r) => ({
        computerName: r.computer_name ?? '',
        part: r.part ?? '',
        alive: false,
        aliveLeftS: 0,
        lastHeartbeat: r.last_heartbeat ?? null,
      })),
    },
    tables: manifest.databases.flatMap((d) =>
      d.tables.map((t) => ({ database: d.name, name: t.name, rows: t.rows })),
    ),
  };
}

/** PostgreSQL's COPY text format: rows end in \n, fields split by \t, \N is null, backslash escapes. */
export function parseCopyText(text: string, columns: string[]): Array<Record<string, string | null>> {
  const out: Array<Record<string, string | null>> = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const fields = line.split('\t');
    const row: Record<string, string | null> = {};
    columns.forEach((c, i) => {
      const f = fields[i] ?? '\\N';
      row[c] = f === '\\N' ? null : unescapeCopy(f);
    });
    out.push(row);
  }
  return out;
}

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function unescapeCopy(f: string): string {
  return f.replace(/\\(.)/g, (_, c: string) => ESCAPES[c] ?? c);
}

/** bytea in hex output (`\x0a1b...`), as bytes; anything else as no bytes (a verifier that matches nothing). */
function byteaOf(v: string | null | undefined): Buffer {
  return v?.startsWith('\\x') ? Buffer.from(v.slice(2), 'hex') : Buffer.alloc(0);
}
