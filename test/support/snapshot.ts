/**
 * Snapshots for "nothing changed" assertions: every file of a directory
 * (path, mode, SHA-256) and every row of every table of a database (logical,
 * ordered; or pg_dump's text for a server database), so a refusal can be
 * checked to leave both exactly as they were. A comparison made while a
 * management server runs leaves out what the server writes by itself on its
 * own clock (SERVER_HOUSEKEEPING).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Queryable } from '../../src/db/database.js';
import { openDatabase } from '../../src/db/open-database.js';

/** What a comparison leaves out: `table` leaves out a whole table, `table.column` one column of it. */
export type LeftOut = readonly string[];

/**
 * What a running management server writes by itself, on its own clock,
 * whether or not anyone asks it anything: its heartbeat, its lease renewals,
 * the history of its workflow runs, and what those workflows do to existing
 * rows (the SLA deadline of a new work item, the delivery of a notification).
 * Grooming deletes only rows older than its retention (90 days), which tests
 * do not make; an SLA breach takes hours.
 */
export const SERVER_HOUSEKEEPING: LeftOut = [
  'computers.last_heartbeat',
  'workflow_lease.renewed_at',
  'workflow_lease.expires_at',
  'workflow_runs',
  'work_items.resolve_by',
  'notifications.attempts',
  'notifications.last_error',
  'notifications.delivered_at',
  'notifications.delivered_by',
  'notifications.delivered_token',
  // The change feed records what those workflows change (the SLA deadline of a new work item).
  'changes',
];

function split(leftOut: LeftOut): { tables: Set<string>; columns: Map<string, Set<string>> } {
  const tables = new Set<string>();
  const columns = new Map<string, Set<string>>();
  for (const name of leftOut) {
    const [table, column] = name.split('.') as [string, string | undefined];
    if (!column) tables.add(table);
    else columns.set(table, new Set([...(columns.get(table) ?? []), column]));
  }
  return { tables, columns };
}

/**
 * `skip` names top-level entries to leave out, e.g. `databases` (an embedded
 * database's files change when PGlite merely opens and closes it: compare it
 * logically with dumpDatabase instead).
 */
export function snapshotDir(dir: string, skip: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  if (!fs.existsSync(dir)) return out;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (d === dir && skip.includes(e.name)) continue;
      const p = path.join(d, e.name);
      const rel = path.relative(dir, p);
      const mode = (fs.statSync(p).mode & 0o777).toString(8);
      if (e.isDirectory()) {
        out[`${rel}/`] = mode;
        walk(p);
      } else {
        out[rel] = `${mode} ${createHash('sha256').update(fs.readFileSync(p)).digest('hex')}`;
      }
    }
  };
  out['./'] = (fs.statSync(dir).mode & 0o777).toString(8);
  walk(dir);
  return out;
}

/** Every row of every public table, ordered, as JSON text; without what `leftOut` names. */
export async function dumpDatabase(db: Queryable, leftOut: LeftOut = []): Promise<string> {
  const { tables: skip, columns } = split(leftOut);
  const tables = await db.query<{ t: string }>(
    `SELECT tablename AS t FROM pg_catalog.pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
  );
  const parts: string[] = [];
  for (const { t } of tables.rows) {
    if (skip.has(t)) continue;
    const rows = await db.query(`SELECT * FROM "${t.replace(/"/g, '""')}" ORDER BY 1`);
    for (const c of columns.get(t) ?? []) for (const row of rows.rows) delete row[c];
    parts.push(`${t}: ${JSON.stringify(rows.rows)}`);
  }
  return parts.join('\n');
}

/** Opens a database by URL just long enough to dump it. */
export async function dumpDatabaseAt(url: string, leftOut: LeftOut = []): Promise<string> {
  const db = await openDatabase(url);
  try {
    return await dumpDatabase(db, leftOut);
  } finally {
    await db.close();
  }
}

/**
 * pg_dump of a server database (schema and data), without what `leftOut`
 * names: a left-out table's rows and its sequences' values, a left-out
 * column's values in the COPY data.
 */
export function pgDump(url: string, leftOut: LeftOut = []): string {
  const { tables, columns } = split(leftOut);
  const args = ['--no-owner', '-d', url, ...[...tables].map((t) => `--exclude-table-data=public.${t}`)];
  const text = execFileSync('pg_dump', args, { encoding: 'utf8' })
    // pg_dump >= 15.14 brackets its output with \restrict <random key>: not part of the data.
    .replace(/^\\(un)?restrict .*$/gm, '')
    .replace(/^SELECT pg_catalog\.setval\('public\.([\w]+)'.*$/gm, (line, seq: string) =>
      [...tables].some((t) => seq.startsWith(`${t}_`)) ? '' : line,
    );
  const lines = text.split('\n');
  let blank: number[] = [];
  for (const [i, line] of lines.entries()) {
    const copy = /^COPY public\.(\S+) \((.*)\) FROM stdin;$/.exec(line);
    if (copy) {
      const drop = columns.get(copy[1]!.replace(/"/g, '')) ?? new Set();
      const names = copy[2]!.split(', ').map((c) => c.replace(/"/g, ''));
      blank = names.flatMap((c, j) => (drop.has(c) ? [j] : []));
    } else if (line === '\\.') {
      blank = [];
    } else if (blank.length > 0) {
      const fields = line.split('\t');
      for (const j of blank) fields[j] = '(left out)';
      lines[i] = fields.join('\t');
    }
  }
  return lines.join('\n');
}
