/**
 * Migrations of the DWRepository database: transformed, cleansed history
 * (every version of every work item and configuration item). Append only.
 *
 * v1: the version tables the Transform job fills from staging (one row per
 * version, keyed by the change position it came from).
 */
import type { MigrationSet } from '../migrate.js';

const v1 = `
CREATE TABLE work_item_versions (
  position text PRIMARY KEY,
  work_item_id bigint NOT NULL,
  valid_from timestamptz NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  data jsonb NOT NULL
);
CREATE INDEX work_item_versions_item ON work_item_versions (work_item_id, valid_from);

CREATE TABLE config_item_versions (
  position text PRIMARY KEY,
  config_item_id bigint NOT NULL,
  valid_from timestamptz NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  data jsonb NOT NULL
);
CREATE INDEX config_item_versions_item ON config_item_versions (config_item_id, valid_from);
`;

export const dwRepositoryMigrations: MigrationSet = {
  database: 'DWRepository',
  migrations: [{ version: 1, name: 'work item and configuration item versions', sql: v1 }],
};
