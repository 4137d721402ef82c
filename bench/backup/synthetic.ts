/**
 * The synthetic ServiceManager data of the backup benchmark, as plain SQL
 * (INSERT … SELECT generate_series) so the same statements fill a
 * PostgreSQL server and an embedded PGlite database. Per work item: a title
 * of 4-9 words, a description of 45-130 words in sentences with host names,
 * error codes and numbers (~300-800 bytes), JSON properties (~200 bytes) and
 * 1-5 history rows (3 on average); one configuration item per 10 work items.
 * Words are drawn Zipf-like from vocabulary.ts, so compression ratios are
 * those of text, not of one repeated string.
 *
 * Valid domain data, as the API would have written it: statuses among
 * WORK_ITEM_STATUSES (src/management-server/work-item-store.ts), history rows
 * shaped as recordWorkItemHistory writes them (`{created: body}` first, then
 * `{changed: fields}`, field names as the API's), display ids IR<id>/SR<id>.
 */
import { CONTENT_WORDS_FROM, FIRST_NAMES, LAST_NAMES, VOCABULARY } from './vocabulary.js';

/** Runs one statement with parameters; both engines' query() fit. */
export type Run = (sql: string, params: unknown[]) => Promise<unknown>;

/** SQL pieces shared with the other data shape (synthetic-wide.ts). */
export const N = VOCABULARY.length;
const C = CONTENT_WORDS_FROM;
/** A word, index ~ 1/k (log-uniform over 1..N). `g` keeps the aggregate in the inner query. */
export const word = (g: string) => `v.w[floor(exp(random() * ln(${N + 1})))::int + 0 * ${g}]`;
/** A service-desk word (no function words). */
export const contentWord = (g: string) =>
  `v.w[${C} + floor(exp(random() * ln(${N - C + 1})))::int + 0 * ${g}]`;
const pick = (array: string, n: number) => `${array}[1 + floor(random() * ${n})::int]`;

export const PARAMS = `(SELECT $1::text[] AS w, $2::text[] AS fn, $3::text[] AS ln) v`;
export const PARAM_VALUES = [VOCABULARY, FIRST_NAMES, LAST_NAMES];
export const person = `lower(${pick('v.fn', FIRST_NAMES.length)} || '.' || ${pick('v.ln', LAST_NAMES.length)})`;

export const token = (g: string) => `CASE floor(random() * 30)::int
    WHEN 0 THEN 'WS-' || (10000 + floor(random() * 40000)::int + 0 * ${g})
    WHEN 1 THEN '0x8' || lpad(to_hex(floor(random() * 16777216)::int), 7, '0')
    WHEN 2 THEN (1 + floor(random() * 500)::int)::text
    WHEN 3 THEN 'SRV-' || (1000 + floor(random() * 9000)::int)
    ELSE ${word(g)} END`;

const description = `(SELECT string_agg(
      ${token('g')} || CASE WHEN random() < 0.09 THEN '.' WHEN random() < 0.03 THEN ',' ELSE '' END, ' ')
    FROM generate_series(1, 45 + floor(random() * 85)::int + 0 * i) g)`;

const WORK_ITEMS = `
INSERT INTO work_items (id, class, display_id, title, description, priority, status, assigned_to,
                        affected_user, properties, created_at, updated_at, resolve_by, breached_at)
SELECT i,
       CASE WHEN i % 3 = 0 THEN 'service-request' ELSE 'incident' END,
       CASE WHEN i % 3 = 0 THEN 'SR' ELSE 'IR' END || i,
       (SELECT initcap(string_agg(${contentWord('g')}, ' ')) || ' on WS-' || (10000 + i % 40000)
          FROM generate_series(1, 3 + floor(random() * 6)::int + 0 * i) g),
       ${description},
       1 + floor(random() * 4)::int,
       (ARRAY['active', 'active', 'pending', 'resolved', 'closed', 'closed', 'closed'])[1 + floor(random() * 7)::int],
       CASE WHEN random() < 0.9 THEN ${person} END,
       ${person},
       jsonb_build_object(
         'category', ${contentWord('i')} || '/' || ${contentWord('i')},
         'source', (ARRAY['email', 'portal', 'phone', 'walk-in', 'monitoring'])[1 + floor(random() * 5)::int],
         'impact', 1 + floor(random() * 3)::int,
         'urgency', 1 + floor(random() * 3)::int,
         'ci', 'SRV-' || (1000 + floor(random() * 9000)::int),
         'tags', (SELECT jsonb_agg(${contentWord('g')}) FROM generate_series(1, 2 + floor(random() * 3)::int + 0 * i) g),
         'sla', jsonb_build_object('target', 'P' || (1 + i % 5) || 'D', 'paused', i % 7 = 0),
         'contact', jsonb_build_object('phone', '+49 30 ' || (1000000 + floor(random() * 8999999)::int),
                                       'email', ${person} || '@contoso.example')),
       t, t + random() * interval '72 hours', t + interval '5 days',
       CASE WHEN random() < 0.05 THEN t + interval '5 days' END
  FROM ${PARAMS}, generate_series($4::int, $5::int) i,
       LATERAL (SELECT timestamptz '2023-01-01 00:00:00+00' + i * interval '30 seconds' AS t) ts`;

/** As recordWorkItemHistory writes them: the create body first, then changes of the API's fields. */
const HISTORY = `
INSERT INTO work_item_history (work_item_id, at, actor, change)
SELECT i,
       timestamptz '2023-01-01 00:00:00+00' + i * interval '30 seconds' + k * random() * interval '6 hours',
       ${person},
       CASE WHEN k = 1 THEN jsonb_build_object('created', jsonb_build_object(
              'class', CASE WHEN i % 3 = 0 THEN 'service-request' ELSE 'incident' END,
              'title', 'Reported on WS-' || (10000 + i % 40000), 'priority', 1 + i % 4))
            ELSE jsonb_build_object('changed', CASE floor(random() * 4)::int
              WHEN 0 THEN jsonb_build_object('status', (ARRAY['active', 'pending', 'resolved', 'closed'])[1 + floor(random() * 4)::int])
              WHEN 1 THEN jsonb_build_object('assignedTo', ${person})
              WHEN 2 THEN jsonb_build_object('priority', 1 + floor(random() * 4)::int)
              ELSE jsonb_build_object('description', (SELECT string_agg(${token('g')}, ' ')
                       FROM generate_series(1, 3 + floor(random() * 14)::int + 0 * i + 0 * k) g)) END) END
  FROM ${PARAMS}, generate_series($4::int, $5::int) i,
       generate_series(1, 1 + ((i::bigint * 2654435761) % 5)::int) k`;

const CONFIG_ITEMS = `
INSERT INTO config_items (id, class, name, properties, created_at, updated_at)
SELECT i,
       (ARRAY['computer', 'computer', 'user', 'service'])[1 + i % 4],
       CASE i % 4 WHEN 2 THEN ${person} || '.' || i WHEN 3 THEN 'svc-' || ${contentWord('i')} || '-' || i
                  ELSE 'WS-' || (10000 + i) END,
       jsonb_build_object(
         'os', (ARRAY['Windows 11 23H2', 'Windows 10 22H2', 'Ubuntu 22.04', 'macOS 14'])[1 + floor(random() * 4)::int],
         'ramGb', (ARRAY[8, 16, 32, 64])[1 + floor(random() * 4)::int],
         'cpu', (ARRAY['i5-1245U', 'i7-1365U', 'Ryzen 7 7840U', 'Xeon E-2388G'])[1 + floor(random() * 4)::int],
         'serial', upper(to_hex(floor(random() * 2147483647)::int)) || upper(to_hex(i)),
         'owner', ${person},
         'location', (ARRAY['Berlin', 'Lisbon', 'Oslo', 'Lyon', 'Austin', 'Osaka'])[1 + floor(random() * 6)::int],
         'software', (SELECT jsonb_agg(${contentWord('g')} || ' ' || (1 + floor(random() * 20)::int) || '.' || floor(random() * 10)::int)
                        FROM generate_series(1, 3 + floor(random() * 5)::int + 0 * i) g),
         'notes', (SELECT string_agg(${word('g')}, ' ') FROM generate_series(1, 5 + floor(random() * 20)::int + 0 * i) g)),
       t, t + random() * interval '300 days'
  FROM ${PARAMS}, generate_series($4::int, $5::int) i,
       LATERAL (SELECT timestamptz '2022-01-01 00:00:00+00' + i * interval '5 minutes' AS t) ts`;

/** Work items lo..hi, their history, and config items lo/10..hi/10 (ids from 1). */
export async function fillRange(run: Run, lo: number, hi: number, seed: number): Promise<void> {
  await run('SELECT setseed($1)', [seed]);
  await run(WORK_ITEMS, [...PARAM_VALUES, lo, hi]);
  await run(HISTORY, [...PARAM_VALUES, lo, hi]);
  const cLo = Math.floor((lo - 1) / 10) + 1;
  const cHi = Math.floor(hi / 10);
  if (cHi >= cLo) await run(CONFIG_ITEMS, [...PARAM_VALUES, cLo, cHi]);
}

/** After all ranges: sequences past the explicit ids. */
export async function finishFill(run: Run, workItems: number): Promise<void> {
  await run(`SELECT setval(pg_get_serial_sequence('work_items', 'id'), $1::bigint)`, [workItems]);
  await run(`SELECT setval(pg_get_serial_sequence('config_items', 'id'), $1::bigint)`, [
    Math.max(1, Math.floor(workItems / 10)),
  ]);
}

/** [lo, hi] ranges of `chunk` work items covering 1..n. */
export function ranges(n: number, chunk: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let lo = 1; lo <= n; lo += chunk) out.push([lo, Math.min(n, lo + chunk - 1)]);
  return out;
}
