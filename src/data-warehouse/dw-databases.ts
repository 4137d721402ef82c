/**
 * The data warehouse's three databases, by their names in archives and
 * messages, with the migrations of each. DWStagingAndConfig is the one
 * setup --existing-database is pointed at; it records the other two.
 */
import { defaultDatabaseUrl, type HomePaths } from '../computer/home.js';
import type { Database } from '../db/database.js';
import type { MigrationSet } from '../db/migrate.js';
import { dwDataMartMigrations } from '../db/migrations/dw-datamart.js';
import { dwRepositoryMigrations } from '../db/migrations/dw-repository.js';
import { dwStagingAndConfigMigrations } from '../db/migrations/dw-staging-and-config.js';
import { openDatabase } from '../db/open-database.js';
import type { PartDatabase } from '../parts/part.js';

export type DwDatabaseRole = 'staging' | 'repository' | 'datamart';

export interface DwDatabaseSpec {
  role: DwDatabaseRole;
  name: 'DWStagingAndConfig' | 'DWRepository' | 'DWDataMart';
  flag: string;
  migrations: MigrationSet;
}

export const DW_DATABASES: readonly DwDatabaseSpec[] = [
  {
    role: 'staging',
    name: 'DWStagingAndConfig',
    flag: '--staging-database',
    migrations: dwStagingAndConfigMigrations,
  },
  {
    role: 'repository',
    name: 'DWRepository',
    flag: '--repository-database',
    migrations: dwRepositoryMigrations,
  },
  { role: 'datamart', name: 'DWDataMart', flag: '--datamart-database', migrations: dwDataMartMigrations },
];

export const dwDefaultUrl = (home: HomePaths, spec: DwDatabaseSpec): string =>
  defaultDatabaseUrl(home, spec.name);

export interface OpenedDwDatabases {
  staging: Database;
  repository: Database;
  datamart: Database;
  list: PartDatabase[];
  close(): Promise<void>;
}

/** Opens the three (closing those opened when one fails). */
export async function openDwDatabases(urls: Record<DwDatabaseRole, string>): Promise<OpenedDwDatabases> {
  const opened: Array<{ spec: DwDatabaseSpec; db: Database }> = [];
  try {
    for (const spec of DW_DATABASES) opened.push({ spec, db: await openDatabase(urls[spec.role]) });
  } catch (e) {
    for (const o of opened.reverse()) await o.db.close().catch(() => {});
    throw e;
  }
  const by = (role: DwDatabaseRole) => opened.find((o) => o.spec.role === role)!.db;
  return {
    staging: by('staging'),
    repository: by('repository'),
    datamart: by('datamart'),
    list: opened.map((o) => ({ name: o.spec.name, db: o.db })),
    async close() {
      for (const o of [...opened].reverse()) await o.db.close().catch(() => {});
    },
  };
}
