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

// --- dw-etl (issue 11): v2
/**
 * v2 replaces v1's placeholders (never filled) with the star schema the Load
 * job fills (docs/DATA-WAREHOUSE.md §4): the date dimension (UTC days); the
 * work item, user and configuration item dimensions, one row per version
 * with valid_from/valid_to (never removed); the status, priority and
 * classification dimensions from the synced lists (hidden, never removed);
 * the facts — work item created and resolved, time in each status,
 * assigned-to, affected-user and configuration item relationships, SLA met
 * or breached — each with the date key its retention is counted from; and
 * the Load job's watermarks, written in the transaction of the batch they
 * cover. Keys are natural (ids, list item ids, change positions), never
 * sequences, so two loads of the same history give the same rows.
 */
const v2 = `
DROP VIEW backlog;
DROP TABLE work_item_fact;
DROP TABLE work_item_dim;
DROP TABLE date_dim;

CREATE TABLE watermarks (
  job text PRIMARY KEY,
  position text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE date_dim (
  date_key integer PRIMARY KEY,
  day date NOT NULL UNIQUE,
  year integer NOT NULL,
  quarter integer NOT NULL,
  month integer NOT NULL,
  day_of_month integer NOT NULL,
  day_of_week integer NOT NULL,
  iso_year integer NOT NULL,
  iso_week integer NOT NULL,
  week_start date NOT NULL,
  month_start date NOT NULL,
  month_name text NOT NULL,
  day_name text NOT NULL
);

CREATE TABLE status_dim (
  status_item text PRIMARY KEY,
  value text NOT NULL,
  name text NOT NULL,
  ordinal integer NOT NULL,
  is_open boolean NOT NULL,
  hidden boolean NOT NULL DEFAULT false
);

CREATE TABLE priority_dim (
  priority_item text PRIMARY KEY,
  value integer NOT NULL,
  name text NOT NULL,
  ordinal integer NOT NULL,
  hidden boolean NOT NULL DEFAULT false
);

CREATE TABLE classification_dim (
  classification_item text PRIMARY KEY,
  list_id text NOT NULL,
  list_name text NOT NULL,
  parent_item text,
  name text NOT NULL,
  path text NOT NULL,
  ordinal integer NOT NULL,
  depth integer NOT NULL,
  hidden boolean NOT NULL DEFAULT false
);

CREATE TABLE work_item_dim (
  version_key text PRIMARY KEY,
  work_item_id bigint NOT NULL,
  valid_from timestamptz NOT NULL,
  valid_to timestamptz,
  is_current boolean NOT NULL,
  removed boolean NOT NULL,
  display_id text NOT NULL,
  class text NOT NULL,
  title text NOT NULL,
  status text NOT NULL,
  status_item text,
  priority integer,
  priority_item text,
  classification_item text,
  assigned_to text,
  affected_user text,
  created_at timestamptz NOT NULL,
  resolve_by timestamptz,
  breached_at timestamptz,
  properties jsonb NOT NULL
);
CREATE INDEX work_item_dim_item ON work_item_dim (work_item_id, valid_from);
CREATE INDEX work_item_dim_current ON work_item_dim (work_item_id) WHERE is_current;

CREATE TABLE user_dim (
  version_key text PRIMARY KEY,
  user_id bigint NOT NULL,
  valid_from timestamptz NOT NULL,
  valid_to timestamptz,
  is_current boolean NOT NULL,
  removed boolean NOT NULL,
  username text NOT NULL
);
CREATE INDEX user_dim_item ON user_dim (user_id, valid_from);
CREATE INDEX user_dim_username ON user_dim (username);

CREATE TABLE config_item_dim (
  version_key text PRIMARY KEY,
  config_item_id bigint NOT NULL,
  valid_from timestamptz NOT NULL,
  valid_to timestamptz,
  is_current boolean NOT NULL,
  removed boolean NOT NULL,
  class text NOT NULL,
  name text NOT NULL,
  properties jsonb NOT NULL
);
CREATE INDEX config_item_dim_item ON config_item_dim (config_item_id, valid_from);

CREATE TABLE work_item_created_fact (
  work_item_id bigint PRIMARY KEY,
  date_key integer NOT NULL REFERENCES date_dim (date_key),
  created_at timestamptz NOT NULL,
  class text NOT NULL,
  priority_item text,
  classification_item text
);
CREATE INDEX work_item_created_fact_date ON work_item_created_fact (date_key);

CREATE TABLE work_item_resolved_fact (
  work_item_id bigint PRIMARY KEY,
  date_key integer NOT NULL REFERENCES date_dim (date_key),
  resolved_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  seconds_to_resolve double precision NOT NULL,
  class text NOT NULL,
  priority_item text,
  classification_item text
);
CREATE INDEX work_item_resolved_fact_date ON work_item_resolved_fact (date_key);

CREATE TABLE work_item_status_fact (
  work_item_id bigint NOT NULL,
  entered_at timestamptz NOT NULL,
  left_at timestamptz,
  seconds double precision,
  status text NOT NULL,
  status_item text,
  class text NOT NULL,
  date_key integer NOT NULL REFERENCES date_dim (date_key),
  end_date_key integer REFERENCES date_dim (date_key),
  PRIMARY KEY (work_item_id, entered_at)
);
CREATE INDEX work_item_status_fact_date ON work_item_status_fact (date_key);

CREATE TABLE work_item_assigned_to_fact (
  work_item_id bigint NOT NULL,
  username text NOT NULL,
  user_id bigint,
  started_at timestamptz NOT NULL,
  ended_at timestamptz,
  date_key integer NOT NULL REFERENCES date_dim (date_key),
  end_date_key integer REFERENCES date_dim (date_key),
  PRIMARY KEY (work_item_id, started_at)
);
CREATE INDEX work_item_assigned_to_fact_date ON work_item_assigned_to_fact (date_key);

CREATE TABLE work_item_affected_user_fact (LIKE work_item_assigned_to_fact INCLUDING ALL);
ALTER TABLE work_item_affected_user_fact
  ADD FOREIGN KEY (date_key) REFERENCES date_dim (date_key),
  ADD FOREIGN KEY (end_date_key) REFERENCES date_dim (date_key);

CREATE TABLE work_item_config_item_fact (
  work_item_id bigint NOT NULL,
  config_item_id bigint NOT NULL,
  started_at timestamptz NOT NULL,
  ended_at timestamptz,
  class text NOT NULL,
  date_key integer NOT NULL REFERENCES date_dim (date_key),
  end_date_key integer REFERENCES date_dim (date_key),
  PRIMARY KEY (work_item_id, config_item_id, started_at)
);
CREATE INDEX work_item_config_item_fact_date ON work_item_config_item_fact (date_key);
CREATE INDEX work_item_config_item_fact_ci ON work_item_config_item_fact (config_item_id);

CREATE TABLE work_item_sla_fact (
  work_item_id bigint PRIMARY KEY,
  outcome text NOT NULL CHECK (outcome IN ('met', 'breached')),
  date_key integer NOT NULL REFERENCES date_dim (date_key),
  class text NOT NULL,
  priority_item text,
  resolve_by timestamptz NOT NULL,
  resolved_at timestamptz,
  breached_at timestamptz
);
CREATE INDEX work_item_sla_fact_date ON work_item_sla_fact (date_key);
`;
// --- end dw-etl

export const dwDataMartMigrations: MigrationSet = {
  database: 'DWDataMart',
  migrations: [
    { version: 1, name: 'date dimension, work item dimension and fact, backlog view', sql: v1 },
    // --- dw-etl (issue 11)
    { version: 2, name: 'star schema: dimensions with versions, facts, load watermarks', sql: v2 },
  ],
};
