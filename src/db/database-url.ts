/**
 * Parses the database URL that names a database: `pglite:<path>` (embedded)
 * or `postgres://user@host:port/dbname` (server). A URL carrying a password
 * is refused: config.json holds no secrets (the password goes in ~/.pgpass).
 */
import path from 'node:path';
import { SmgrError } from '../errors/smgr-error.js';
import type { EngineKind } from './database.js';

export interface ParsedDatabaseUrl {
  engine: EngineKind;
  /** Canonical form: absolute path for pglite, the URL itself for servers. */
  url: string;
  displayUrl: string;
  /** pglite only: the data directory. */
  dataDir?: string;
}

export function parseDatabaseUrl(raw: string, options: { allowPassword?: boolean } = {}): ParsedDatabaseUrl {
  if (raw.startsWith('pglite:')) {
    const rest = raw.slice('pglite:'.length).replace(/^\/\/(?=\/)/, '');
    if (rest.length === 0) throw invalid(raw, 'no path after pglite:');
    const dataDir = path.resolve(rest);
    return { engine: 'embedded', url: `pglite:${dataDir}`, displayUrl: `pglite:${dataDir}`, dataDir };
  }
  if (raw.startsWith('postgres://') || raw.startsWith('postgresql://')) {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw invalid('postgres://…', 'it does not parse as a URL');
    }
    if (u.password && !options.allowPassword) throw new SmgrError('DATABASE_URL_HAS_PASSWORD');
    if (!u.hostname && !u.searchParams.get('host')) throw invalid(redact(u), 'no host');
    if (u.pathname.length <= 1) throw invalid(redact(u), 'no database name');
    return { engine: 'server', url: raw, displayUrl: redact(u) };
  }
  throw invalid(raw.replace(/:[^:@/]*@/, ':***@'), 'it starts with neither pglite: nor postgres://');
}

function redact(u: URL): string {
  const copy = new URL(u.toString());
  if (copy.password) copy.password = '***';
  copy.search = '';
  return copy.toString();
}

function invalid(url: string, reason: string): SmgrError {
  return new SmgrError('DATABASE_URL_INVALID', { url, reason });
}

/** Replaces the database name of a server URL (tests and restore targets). */
export function withDatabaseName(serverUrl: string, name: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${encodeURIComponent(name)}`;
  return u.toString();
}
