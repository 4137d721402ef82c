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

// --- dw-reports (issue 11): v5
/**
 * v5: the reports (docs/DATA-WAREHOUSE.md, Reports), as SQL functions over the
 * star schema, so any SQL client gets what the DW API serves:
 * `report_<name>(from date, to date, grain text, class text[, limit])`,
 * one row per period (time to resolution: per period and priority; top
 * configuration items: per period and rank). Periods are UTC days, ISO
 * weeks (from Monday) or calendar months, clipped to [from, to]; grain
 * `all` is one period for the whole range. A null class means every class.
 * Read only: they change nothing, so a report never blocks a job.
 */
const v5 = `
CREATE FUNCTION report_date_key(d date) RETURNS integer
  LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT to_char(d, 'YYYYMMDD')::integer $$;

CREATE FUNCTION report_periods(p_from date, p_to date, p_grain text)
RETURNS TABLE (period text, period_start date, period_end date)
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE p_grain
           WHEN 'day' THEN to_char(s, 'YYYY-MM-DD')
           WHEN 'week' THEN to_char(s, 'IYYY-"W"IW')
           WHEN 'month' THEN to_char(s, 'YYYY-MM')
           ELSE to_char(p_from, 'YYYY-MM-DD') || '/' || to_char(p_to, 'YYYY-MM-DD')
         END,
         greatest(s::date, p_from),
         least((s + g.step)::date - 1, p_to)
    FROM (SELECT CASE WHEN p_grain IN ('day', 'week', 'month')
                      THEN date_trunc(p_grain, p_from::timestamp) ELSE p_from::timestamp END AS first,
                 CASE p_grain WHEN 'day' THEN interval '1 day' WHEN 'week' THEN interval '1 week'
                      WHEN 'month' THEN interval '1 month'
                      ELSE make_interval(days => p_to - p_from + 1) END AS step) g,
         generate_series(g.first, p_to::timestamp, g.step) s
$$;

-- Open work items at the end of each period (midnight UTC after its last
-- day): +1 on the day an open version begins, -1 on the day it ends, summed
-- up to the period's end. A removed version (groomed or deleted) is never
-- open; the version before it ends when it was removed.
CREATE FUNCTION report_backlog(p_from date, p_to date, p_grain text, p_class text)
RETURNS TABLE (period text, period_start date, period_end date, open integer)
LANGUAGE sql STABLE AS $$
  WITH open_versions AS (
    SELECT w.valid_from, w.valid_to
      FROM work_item_dim w LEFT JOIN status_dim s USING (status_item)
     WHERE NOT w.removed
       AND coalesce(s.is_open, w.status NOT IN ('resolved', 'closed'))
       AND (p_class IS NULL OR w.class = p_class)
       AND w.valid_from < (p_to + 1)::timestamp AT TIME ZONE 'UTC'
  ), daily AS (
    SELECT day, sum(delta)::bigint AS delta FROM (
      SELECT (valid_from AT TIME ZONE 'UTC')::date AS day, 1 AS delta FROM open_versions
      UNION ALL
      SELECT (valid_to AT TIME ZONE 'UTC')::date, -1 FROM open_versions WHERE valid_to IS NOT NULL
    ) e GROUP BY day
  )
  SELECT p.period, p.period_start, p.period_end,
         coalesce((SELECT sum(d.delta) FROM daily d WHERE d.day <= p.period_end), 0)::integer
    FROM report_periods(p_from, p_to, p_grain) p
   ORDER BY p.period_start
$$;

CREATE FUNCTION report_opened_resolved(p_from date, p_to date, p_grain text, p_class text)
RETURNS TABLE (period text, period_start date, period_end date, opened integer, resolved integer)
LANGUAGE sql STABLE AS $$
  SELECT p.period, p.period_start, p.period_end,
         (SELECT count(*) FROM work_item_created_fact c
           WHERE c.date_key BETWEEN report_date_key(p.period_start) AND report_date_key(p.period_end)
             AND (p_class IS NULL OR c.class = p_class))::integer,
         (SELECT count(*) FROM work_item_resolved_fact r
           WHERE r.date_key BETWEEN report_date_key(p.period_start) AND report_date_key(p.period_end)
             AND (p_class IS NULL OR r.class = p_class))::integer
    FROM report_periods(p_from, p_to, p_grain) p
   ORDER BY p.period_start
$$;

-- Per period and priority, of the work items resolved in the period: how
-- many, and the mean and 90th percentile (continuous: interpolated between
-- the two nearest) of the time from creation to resolution, in hours.
CREATE FUNCTION report_time_to_resolution(p_from date, p_to date, p_grain text, p_class text)
RETURNS TABLE (period text, period_start date, period_end date, priority integer, priority_name text,
               resolved integer, mean_hours double precision, p90_hours double precision)
LANGUAGE sql STABLE AS $$
  SELECT p.period, p.period_start, p.period_end, pd.value, coalesce(pd.name, 'No priority'),
         count(*)::integer,
         round((avg(r.seconds_to_resolve) / 3600)::numeric, 3)::double precision,
         round((percentile_cont(0.9) WITHIN GROUP (ORDER BY r.seconds_to_resolve) / 3600)::numeric, 3)
           ::double precision
    FROM report_periods(p_from, p_to, p_grain) p
    JOIN work_item_resolved_fact r
      ON r.date_key BETWEEN report_date_key(p.period_start) AND report_date_key(p.period_end)
     AND (p_class IS NULL OR r.class = p_class)
    LEFT JOIN priority_dim pd ON pd.priority_item = r.priority_item
   GROUP BY p.period, p.period_start, p.period_end, pd.value, pd.name, pd.ordinal
   ORDER BY p.period_start, pd.ordinal NULLS LAST
$$;

-- Per period, the SLA outcomes dated in it (work_item_sla_fact: the day of
-- the breach mark, else of the resolution): met, breached, and the share met.
CREATE FUNCTION report_sla_compliance(p_from date, p_to date, p_grain text, p_class text)
RETURNS TABLE (period text, period_start date, period_end date, met integer, breached integer,
               compliance_percent double precision)
LANGUAGE sql STABLE AS $$
  SELECT p.period, p.period_start, p.period_end, x.met, x.breached,
         CASE WHEN x.met + x.breached > 0
              THEN round(100.0 * x.met / (x.met + x.breached), 1)::double precision END
    FROM report_periods(p_from, p_to, p_grain) p,
         LATERAL (SELECT count(*) FILTER (WHERE f.outcome = 'met')::integer AS met,
                         count(*) FILTER (WHERE f.outcome = 'breached')::integer AS breached
                    FROM work_item_sla_fact f
                   WHERE f.date_key BETWEEN report_date_key(p.period_start) AND report_date_key(p.period_end)
                     AND (p_class IS NULL OR f.class = p_class)) x
   ORDER BY p.period_start
$$;

-- Per period, the configuration items most affected: the number of work
-- items whose relationship with the item began in the period, highest
-- first (ties by id), the first p_limit of each period; the item's name
-- and class from its last version.
CREATE FUNCTION report_top_configuration_items(p_from date, p_to date, p_grain text, p_class text,
                                               p_limit integer)
RETURNS TABLE (period text, period_start date, period_end date, rank integer, config_item_id bigint,
               config_item text, config_item_class text, work_items integer)
LANGUAGE sql STABLE AS $$
  SELECT t.period, t.period_start, t.period_end, t.rank::integer, t.config_item_id, ci.name, ci.class,
         t.work_items::integer
    FROM (SELECT p.period, p.period_start, p.period_end, f.config_item_id,
                 count(DISTINCT f.work_item_id) AS work_items,
                 row_number() OVER (PARTITION BY p.period_start
                                    ORDER BY count(DISTINCT f.work_item_id) DESC, f.config_item_id) AS rank
            FROM report_periods(p_from, p_to, p_grain) p
            JOIN work_item_config_item_fact f
              ON f.date_key BETWEEN report_date_key(p.period_start) AND report_date_key(p.period_end)
             AND (p_class IS NULL OR f.class = p_class)
           GROUP BY p.period, p.period_start, p.period_end, f.config_item_id) t
    LEFT JOIN LATERAL (SELECT c.name, c.class FROM config_item_dim c
                        WHERE c.config_item_id = t.config_item_id
                        ORDER BY c.valid_from DESC, c.version_key DESC LIMIT 1) ci ON true
   WHERE t.rank <= p_limit
   ORDER BY t.period_start, t.rank
$$;
`;
// --- end dw-reports

// --- dw-bench (issue 11 item 7): v6
/**
 * v6: the assigned-to and affected-user facts by user name. Loading a user
 * sets the user_id of every relationship fact naming it (load-job.ts);
 * without these that was a scan of both fact tables per batch of users.
 */
const v6 = `
CREATE INDEX work_item_assigned_to_fact_username ON work_item_assigned_to_fact (username);
CREATE INDEX work_item_affected_user_fact_username ON work_item_affected_user_fact (username);
`;
// --- end dw-bench

export const dwDataMartMigrations: MigrationSet = {
  database: 'DWDataMart',
  migrations: [
    { version: 1, name: 'date dimension, work item dimension and fact, backlog view', sql: v1 },
    // --- dw-etl (issue 11)
    { version: 2, name: 'star schema: dimensions with versions, facts, load watermarks', sql: v2 },
    // --- dw-reports (issue 11)
    { version: 5, name: 'reports: backlog, opened/resolved, time to resolution, SLA, top CIs', sql: v5 },
    // --- dw-bench (issue 11 item 7)
    { version: 6, name: 'relationship facts by user name', sql: v6 },
  ],
};
