/**
 * Runs a suite once per engine: embedded (PGlite in a temp directory) and
 * server (a uniquely named database on SMGR_TEST_POSTGRES_URL, default the
 * local server), created before and dropped after. Every data-layer test
 * loops over both, like kysely's tests loop over every dialect.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Database } from '../../src/db/database.js';
import { withDatabaseName } from '../../src/db/database-url.js';
import { openDatabase } from '../../src/db/open-database.js';

export const POSTGRES_URL =
  process.env.SMGR_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface EngineFixture {
  name: 'embedded' | 'server';
  /** A fresh, empty database URL; dropped/removed by cleanup(). */
  newDatabaseUrl(): Promise<string>;
  open(url: string): Promise<Database>;
  cleanup(): Promise<void>;
}

export function tempDir(prefix = 'smgr-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function embeddedFixture(): EngineFixture {
  const dirs: string[] = [];
  return {
    name: 'embedded',
    async newDatabaseUrl() {
      const dir = tempDir('smgr-pglite-');
      dirs.push(dir);
      return `pglite:${path.join(dir, 'db')}`;
    },
    open: (url) => openDatabase(url),
    async cleanup() {
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    },
  };
}

export function serverFixture(): EngineFixture {
  const names: string[] = [];
  return {
    name: 'server',
    async newDatabaseUrl() {
      const name = `smgr_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
      await admin(`CREATE DATABASE ${name}`);
      names.push(name);
      return withDatabaseName(POSTGRES_URL, name);
    },
    open: (url) => openDatabase(url),
    async cleanup() {
      for (const n of names) await admin(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`);
    },
  };
}

/** Runs an administrative statement on the maintenance database. */
export async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export const ENGINES: ReadonlyArray<() => EngineFixture> = [embeddedFixture, serverFixture];
