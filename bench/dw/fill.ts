/**
 * The benchmark's ServiceManager data (bench/dw/run.ts), written with SQL
 * into a database `smgr setup management-server --new-database` migrated:
 * the change feed's triggers record every write. `size` work items, each
 * created, set pending (2 h later) and resolved (30 h after creation), with
 * one history row per step: three work item changes and three history rows
 * per work item, six changes in all. Created over the last 700 days, so the
 * facts span two years of the date dimension. Then each incident gets its
 * SLA outcome as the management server's SLA workflow writes it for an
 * incident resolved before it saw it open (workflows/sla.ts, the default
 * targets: 4, 8, 24 and 72 hours by priority): resolve_by, and breached_at =
 * resolve_by when it was resolved later, one more change each, seven in all.
 * Written here rather than waited for: the workflow does ~800 a second, 20
 * minutes at 1M (sla-settled.ts still checks that nothing is left to it).
 * Each phase is one statement, in batches of 100k work items (one
 * transaction each).
 */
import type { Database } from '../../src/db/database.js';

const PHASE_BATCH = 100_000;

/** The SLA workflow's default targets (workflow-settings.ts), in hours by priority. */
const TARGET = `created_at + make_interval(hours => (ARRAY[4, 8, 24, 72])[priority])`;

export async function fillServiceManager(sm: Database, size: number): Promise<number> {
  const before = await sm.query<{ id: number | null }>('SELECT max(id)::int AS id FROM work_items');
  const base = before.rows[0]!.id ?? 0;
  for (let from = 1; from <= size; from += PHASE_BATCH) {
    const to = Math.min(size, from + PHASE_BATCH - 1);
    await sm.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO work_items (id, class, display_id, title, status, priority, affected_user, created_at, updated_at)
         SELECT id, 'incident', 'IR' || id, 'bench item ' || g, 'active', 1 + g % 4, 'user' || (g % 50),
                now() - make_interval(days => g % 700, secs => g % 86400),
                now() - make_interval(days => g % 700, secs => g % 86400)
           FROM (SELECT nextval(pg_get_serial_sequence('work_items', 'id')) AS id, g
                   FROM generate_series($1::integer, $2::integer) g) x`,
        [from, to],
      );
      await tx.query(
        `INSERT INTO work_item_history (work_item_id, at, actor, change)
         SELECT id, created_at, 'bench', '{"created": {}}'::jsonb FROM work_items WHERE id > $1::bigint`,
        [base + from - 1],
      );
    });
  }
  for (const [status, hours] of [
    ['pending', 2],
    ['resolved', 30],
  ] as const) {
    for (let from = 1; from <= size; from += PHASE_BATCH) {
      const to = Math.min(size, from + PHASE_BATCH - 1);
      await sm.transaction(async (tx) => {
        await tx.query(
          `UPDATE work_items SET status = $1, assigned_to = 'analyst' || (id % 7),
                  updated_at = created_at + make_interval(hours => $2::integer)
            WHERE id BETWEEN $3::integer + $5::integer AND $4::integer + $5::integer`,
          [status, hours, from, to, base],
        );
        await tx.query(
          `INSERT INTO work_item_history (work_item_id, at, actor, change)
           SELECT id, updated_at, 'bench', jsonb_build_object('changed', jsonb_build_object('status', status))
             FROM work_items WHERE id BETWEEN $1::integer + $3::integer AND $2::integer + $3::integer`,
          [from, to, base],
        );
      });
    }
  }
  for (let from = 1; from <= size; from += PHASE_BATCH) {
    const to = Math.min(size, from + PHASE_BATCH - 1);
    await sm.query(
      `UPDATE work_items SET resolve_by = ${TARGET},
              breached_at = CASE WHEN updated_at > ${TARGET} THEN ${TARGET} END
        WHERE id BETWEEN $1::integer + $3::integer AND $2::integer + $3::integer`,
      [from, to, base],
    );
  }
  const n = await sm.query<{ n: number }>('SELECT count(*)::int AS n FROM changes');
  return n.rows[0]!.n;
}
