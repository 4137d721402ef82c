/**
 * The floor of the benchmark (bench/dw/run.ts): the change feed's rows
 * moved from ServiceManager into staging tables of a scratch
 * DWStagingAndConfig on the same server with one `COPY (SELECT … FROM
 * changes) TO STDOUT | COPY staging_… FROM STDIN` per kind of change, the
 * two streams piped in this process. What the server moves those rows at
 * without any transformation: the DW's initial load is compared with it.
 */
import type { Database } from '../../src/db/database.js';

const KINDS = {
  'work-item': 'staging_work_items',
  'work-item-history': 'staging_work_item_history',
  'config-item': 'staging_config_items',
  user: 'staging_users',
} as const;

export async function copyFloor(sm: Database, scratch: Database): Promise<number> {
  let rows = 0;
  for (const [kind, table] of Object.entries(KINDS)) {
    await sm.transaction(async (out) => {
      await scratch.transaction(async (inp) => {
        rows += await inp.copyIn(
          `${table} (position, op, entity_id, changed_at, data, run_id)`,
          out.copyOut(
            `(SELECT epoch::text || '-' || xid::text || '-' || id::text, op, entity_id, at, data, 0
                FROM changes WHERE kind = '${kind}' ORDER BY epoch, xid, id)`,
          ),
        );
      });
    });
  }
  return rows;
}
