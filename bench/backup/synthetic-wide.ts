/**
 * The second data shape of the backup benchmark (`--shape wide`): fewer,
 * larger work items and many small rows of other kinds, as a desk that has
 * run for years looks. Per work item (size/2 of them): a description of
 * 150-600 words (1-4 KB), JSON properties of ~1.5 KB (25 custom fields, the
 * affected services), 5 history rows; per work item also 2 small
 * configuration items, 0.6 audit rows, and per 5 work items one Run As
 * account whose password is sealed with the group's real DEK (random bytes
 * to a compressor). At --size 1m: 500,000 work items, 2.5M history rows, 1M
 * configuration items, 300,000 audit rows, 100,000 Run As accounts.
 *
 * Valid domain data, as the API would have written it (statuses, history
 * and audit shapes, display ids, sealed values that open for their row).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { SecretSealer } from '../../src/keys/secret-sealer.js';
import { contentWord, PARAM_VALUES, PARAMS, person, type Run, token, word } from './synthetic.js';

const description = (min: number, spread: number) => `(SELECT string_agg(
      ${token('g')} || CASE WHEN random() < 0.09 THEN '.' WHEN random() < 0.03 THEN ',' ELSE '' END, ' ')
    FROM generate_series(1, ${min} + floor(random() * ${spread})::int + 0 * i) g)`;

const CUSTOM_FIELDS = Array.from(
  { length: 25 },
  (_, f) =>
    `'field${String(f + 1).padStart(2, '0')}', ${f % 3 === 0 ? `(1 + floor(random() * 10000)::int)` : f % 3 === 1 ? contentWord('i') : `${contentWord('i')} || ' ' || ${word('i')} || ' ' || ${contentWord('i')}`}`,
).join(',\n         ');

const WORK_ITEMS = `
INSERT INTO work_items (id, class, display_id, title, description, priority, status, assigned_to,
                        affected_user, properties, created_at, updated_at, resolve_by, breached_at)
SELECT i,
       CASE WHEN i % 3 = 0 THEN 'service-request' ELSE 'incident' END,
       CASE WHEN i % 3 = 0 THEN 'SR' ELSE 'IR' END || i,
       (SELECT initcap(string_agg(${contentWord('g')}, ' ')) || ' on SRV-' || (1000 + i % 9000)
          FROM generate_series(1, 4 + floor(random() * 8)::int + 0 * i) g),
       ${description(150, 450)},
       1 + floor(random() * 4)::int,
       (ARRAY['active', 'pending', 'resolved', 'closed', 'closed'])[1 + floor(random() * 5)::int],
       ${person},
       ${person},
       jsonb_build_object(
         'category', ${contentWord('i')} || '/' || ${contentWord('i')},
         'source', (ARRAY['email', 'portal', 'phone', 'monitoring'])[1 + floor(random() * 4)::int],
         'impact', 1 + floor(random() * 3)::int,
         'urgency', 1 + floor(random() * 3)::int,
         'tags', (SELECT jsonb_agg(${contentWord('g')}) FROM generate_series(1, 5 + floor(random() * 6)::int + 0 * i) g),
         'custom', jsonb_build_object(
         ${CUSTOM_FIELDS}),
         'affectedServices', (SELECT jsonb_agg(jsonb_build_object(
             'name', 'svc-' || ${contentWord('g')}, 'id', 'SRV-' || (1000 + floor(random() * 9000)::int),
             'state', (ARRAY['degraded', 'down', 'ok'])[1 + floor(random() * 3)::int + 0 * g]))
           FROM generate_series(1, 3 + floor(random() * 5)::int + 0 * i) g)),
       t, t + random() * interval '30 days', t + interval '5 days',
       CASE WHEN random() < 0.1 THEN t + interval '5 days' END
  FROM ${PARAMS}, generate_series($4::int, $5::int) i,
       LATERAL (SELECT timestamptz '2020-01-01 00:00:00+00' + i * interval '2 minutes' AS t) ts`;

const HISTORY = `
INSERT INTO work_item_history (work_item_id, at, actor, change)
SELECT i,
       timestamptz '2020-01-01 00:00:00+00' + i * interval '2 minutes' + k * random() * interval '2 days',
       ${person},
       CASE WHEN k = 1 THEN jsonb_build_object('created', jsonb_build_object(
              'class', CASE WHEN i % 3 = 0 THEN 'service-request' ELSE 'incident' END,
              'title', 'Reported on SRV-' || (1000 + i % 9000), 'priority', 1 + i % 4))
            ELSE jsonb_build_object('changed', CASE floor(random() * 3)::int
              WHEN 0 THEN jsonb_build_object('status', (ARRAY['active', 'pending', 'resolved', 'closed'])[1 + floor(random() * 4)::int])
              WHEN 1 THEN jsonb_build_object('assignedTo', ${person})
              ELSE jsonb_build_object('priority', 1 + floor(random() * 4)::int) END) END
  FROM ${PARAMS}, generate_series($4::int, $5::int) i, generate_series(1, 5) k`;

const CONFIG_ITEMS = `
INSERT INTO config_items (id, class, name, properties, created_at, updated_at)
SELECT c,
       (ARRAY['computer', 'user', 'service'])[1 + c % 3],
       CASE c % 3 WHEN 1 THEN ${person} || '.' || c WHEN 2 THEN 'svc-' || c ELSE 'WS-' || (100000 + c) END,
       jsonb_build_object('site', (ARRAY['Berlin', 'Lisbon', 'Oslo', 'Lyon'])[1 + floor(random() * 4)::int]),
       t, t
  FROM ${PARAMS}, generate_series($4::int, $5::int) i, generate_series(2 * i - 1, 2 * i) c,
       LATERAL (SELECT timestamptz '2019-01-01 00:00:00+00' + c * interval '1 minute' AS t) ts`;

const AUDIT = `
INSERT INTO audit_log (at, actor, action, target, details)
SELECT timestamptz '2020-01-01 00:00:00+00' + i * interval '2 minutes',
       ${person},
       CASE WHEN i % 5 = 0 THEN 'work-item.updated' ELSE 'work-item.created' END,
       CASE WHEN i % 3 = 0 THEN 'SR' ELSE 'IR' END || i,
       CASE WHEN i % 5 = 0 THEN jsonb_build_object('id', i, 'fields', jsonb_build_array('status'))
            ELSE jsonb_build_object('id', i, 'class', CASE WHEN i % 3 = 0 THEN 'service-request' ELSE 'incident' END) END
  FROM ${PARAMS}, generate_series($4::int, $5::int) i
 WHERE i % 5 < 3`;

/** Work items lo..hi (ids from 1) and everything that comes with them. */
export async function fillWideRange(
  run: Run,
  lo: number,
  hi: number,
  seed: number,
  sealing: { sealer: SecretSealer; keyId: string },
): Promise<void> {
  await run('SELECT setseed($1)', [seed]);
  await run(WORK_ITEMS, [...PARAM_VALUES, lo, hi]);
  await run(HISTORY, [...PARAM_VALUES, lo, hi]);
  await run(CONFIG_ITEMS, [...PARAM_VALUES, lo, hi]);
  await run(AUDIT, [...PARAM_VALUES, lo, hi]);
  await insertRunAsAccounts(run, lo, hi, sealing);
}

/** One Run As account per 5 work items, its password sealed as the API seals it (bound to its row). */
async function insertRunAsAccounts(
  run: Run,
  lo: number,
  hi: number,
  { sealer, keyId }: { sealer: SecretSealer; keyId: string },
): Promise<void> {
  const ids: string[] = [];
  const names: string[] = [];
  const users: string[] = [];
  const sealed: Buffer[] = [];
  for (let i = lo; i <= hi; i++) {
    if (i % 5 !== 0) continue;
    const id = randomUUID();
    ids.push(id);
    names.push(`svc-account-${i}`);
    users.push(`CONTOSO\\svc-${i}`);
    const password = randomBytes(12 + (i % 12)).toString('base64url');
    sealed.push(sealer.seal(password, { table: 'run_as_accounts', column: 'password_sealed', row: id }));
  }
  if (ids.length === 0) return;
  await run(
    `INSERT INTO run_as_accounts (id, name, username, password_sealed, key_id)
     SELECT * , $5::text FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bytea[])`,
    [ids, names, users, sealed, keyId],
  );
}

/** After all ranges: sequences past the explicit ids. */
export async function finishWideFill(run: Run, workItems: number): Promise<void> {
  await run(`SELECT setval(pg_get_serial_sequence('work_items', 'id'), $1::bigint)`, [workItems]);
  await run(`SELECT setval(pg_get_serial_sequence('config_items', 'id'), $1::bigint)`, [2 * workItems]);
}
