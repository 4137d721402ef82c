/**
 * Snapshots for "nothing changed" assertions: every file of a directory
 * (path, mode, SHA-256) and every row of every table of a database (logical,
 * ordered), so a refusal can be checked to leave both exactly as they were.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Queryable } from '../../src/db/database.js';
import { openDatabase } from '../../src/db/open-database.js';

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

/** Every row of every public table, ordered, as JSON text. */
export async function dumpDatabase(db: Queryable): Promise<string> {
  const tables = await db.query<{ t: string }>(
    `SELECT tablename AS t FROM pg_catalog.pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
  );
  const parts: string[] = [];
  for (const { t } of tables.rows) {
    const rows = await db.query(`SELECT * FROM "${t.replace(/"/g, '""')}" ORDER BY 1`);
    parts.push(`${t}: ${JSON.stringify(rows.rows)}`);
  }
  return parts.join('\n');
}

/** Opens a database by URL just long enough to dump it. */
export async function dumpDatabaseAt(url: string): Promise<string> {
  const db = await openDatabase(url);
  try {
    return await dumpDatabase(db);
  } finally {
    await db.close();
  }
}
