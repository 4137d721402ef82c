/**
 * Migrations of the DWDataMart database: the star schema reports query.
 * Append only.
 *
 * v1: a date dimension, the work item dimension and the work item fact the
 * Load job fills, and the backlog view.
 */
import type { MigrationSet } from '../migrate.js';

const v1 = `
CREATE TABLE date_dim (
  date_key integer PRIMARY KEY,
  day date NOT NULL UNIQUE
);

CREATE TABLE work_item_dim (
  work_item_id bigint PRIMARY KEY,
  display_id text NOT NULL,
  class text NOT NULL,
  title text NOT NULL
);

CREATE TABLE work_item_fact (
  work_item_id bigint PRIMARY KEY REFERENCES work_item_dim (work_item_id),
  created_date_key integer REFERENCES date_dim (date_key),
  resolved_date_key integer REFERENCES date_dim (date_key),
  status text NOT NULL,
  priority integer
);

CREATE VIEW backlog AS
  SELECT d.class, f.status, count(*)::int AS work_items
    FROM work_item_fact f JOIN work_item_dim d USING (work_item_id)
   WHERE f.status NOT IN ('resolved', 'closed', 'completed', 'cancelled')
   GROUP BY d.class, f.status;
`;

export const dwDataMartMigrations: MigrationSet = {
  database: 'DWDataMart',
  migrations: [{ version: 1, name: 'date dimension, work item dimension and fact, backlog view', sql: v1 }],
};
