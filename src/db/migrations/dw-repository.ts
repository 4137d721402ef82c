/**
 * Migrations of the DWRepository database: transformed, cleansed history
 * (every version of every work item and configuration item). Append only.
 *
 * v1: the version tables the Transform job fills from staging (one row per
 * version, keyed by the change position it came from).
 *
 * --- dw-etl (issue 11): v2
 * v2 replaces v1's placeholders (never filled) with the Transform job's
 * tables (docs/DATA-WAREHOUSE.md §3): one row per version of every work item,
 * configuration item and user, keyed by the position of the change it came
 * from (so re-running a batch adds nothing), cleansed columns, the time
 * the change was recorded (changed_at: versions of an entity are ordered by
 * it, then by position) and valid_from/valid_to (a version is valid from its
 * change until the next version's change; valid_to is null for the current
 * one). The work item
 * history rows (created, changed, commented, approvals) are kept as events.
 * `watermarks` holds the Transform job's position per kind of change,
 * written in the transaction of the batch it covers.
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

const v2 = `
DROP TABLE work_item_versions;
DROP TABLE config_item_versions;

CREATE TABLE watermarks (
  job text PRIMARY KEY,
  position text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE work_item_versions (
  position text PRIMARY KEY,
  pos_epoch integer NOT NULL,
  pos_xid numeric NOT NULL,
  pos_id bigint NOT NULL,
  work_item_id bigint NOT NULL,
  changed_at timestamptz NOT NULL,
  valid_from timestamptz NOT NULL,
  valid_to timestamptz,
  deleted boolean NOT NULL,
  class text NOT NULL,
  display_id text NOT NULL,
  title text NOT NULL,
  description text,
  status text NOT NULL,
  status_item text,
  priority integer,
  priority_item text,
  classification_item text,
  assigned_to text,
  affected_user text,
  config_items jsonb NOT NULL DEFAULT '[]',
  properties jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  resolve_by timestamptz,
  breached_at timestamptz
);
CREATE INDEX work_item_versions_item ON work_item_versions (work_item_id, changed_at, pos_epoch, pos_xid, pos_id);
CREATE INDEX work_item_versions_pos ON work_item_versions (pos_epoch, pos_xid, pos_id);

CREATE TABLE config_item_versions (
  position text PRIMARY KEY,
  pos_epoch integer NOT NULL,
  pos_xid numeric NOT NULL,
  pos_id bigint NOT NULL,
  config_item_id bigint NOT NULL,
  changed_at timestamptz NOT NULL,
  valid_from timestamptz NOT NULL,
  valid_to timestamptz,
  deleted boolean NOT NULL,
  class text NOT NULL,
  name text NOT NULL,
  properties jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX config_item_versions_item ON config_item_versions (config_item_id, changed_at, pos_epoch, pos_xid, pos_id);
CREATE INDEX config_item_versions_pos ON config_item_versions (pos_epoch, pos_xid, pos_id);
CREATE INDEX config_item_versions_name ON config_item_versions (name);

CREATE TABLE user_versions (
  position text PRIMARY KEY,
  pos_epoch integer NOT NULL,
  pos_xid numeric NOT NULL,
  pos_id bigint NOT NULL,
  user_id bigint NOT NULL,
  changed_at timestamptz NOT NULL,
  valid_from timestamptz NOT NULL,
  valid_to timestamptz,
  deleted boolean NOT NULL,
  username text NOT NULL
);
CREATE INDEX user_versions_item ON user_versions (user_id, changed_at, pos_epoch, pos_xid, pos_id);
CREATE INDEX user_versions_pos ON user_versions (pos_epoch, pos_xid, pos_id);

CREATE TABLE work_item_events (
  event_id bigint PRIMARY KEY,
  position text NOT NULL UNIQUE,
  work_item_id bigint NOT NULL,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  change jsonb NOT NULL,
  deleted_at timestamptz
);
CREATE INDEX work_item_events_item ON work_item_events (work_item_id, at, event_id);
`;
// --- end dw-etl

// --- dw-bench (issue 11 item 7): v3
/**
 * v3: user versions by name. Load resolves the assignee and affected user
 * names of every batch of work items to user ids (load-job.ts userIds);
 * without it that was a scan of user_versions per batch.
 */
const v3 = `
CREATE INDEX user_versions_username ON user_versions (username);
`;
// --- end dw-bench

/**
 * v4: the work item events that relate or unrelate a configuration item.
 * Load asks, for every batch of work items, which of them have such events
 * (load-job.ts withLinkEvents, prepareWorkItems); few events do, and without
 * this index each ask read every event of the batch's items (6 of the 48 s
 * of a 100k initial load).
 */
const v4 = `
CREATE INDEX work_item_events_links ON work_item_events (work_item_id)
  WHERE change ? 'related' OR change ? 'unrelated';
`;

export const dwRepositoryMigrations: MigrationSet = {
  database: 'DWRepository',
  migrations: [
    { version: 1, name: 'work item and configuration item versions', sql: v1 },
    // --- dw-etl (issue 11)
    {
      version: 2,
      name: 'transformed versions with validity intervals, work item events, watermarks',
      sql: v2,
    },
    // --- dw-bench (issue 11 item 7)
    { version: 3, name: 'user versions by name', sql: v3 },
    { version: 4, name: 'work item events that link configuration items', sql: v4 },
  ],
};
