/**
 * A workflow-server stand-in run as its own process by the paused-holder
 * tests (so it can be SIGSTOPped): it claims the lease for its computer,
 * then loops: renew, then one fenced write that pauses inside the
 * transaction. It reports on stdout, one line each:
 *   HOLDER <token> | INSIDE <n> | COMMITTED <n> | REFUSED <n> <code> | LOST
 * and exits after SMGR_WORKER_REFUSALS refusals (default 3).
 *
 * env: SMGR_WORKER_URL, SMGR_WORKER_NAME, SMGR_WORKER_LEASE_MS, SMGR_WORKER_IDLE_MS, SMGR_WORKER_PAUSE_MS
 */
import { randomUUID } from 'node:crypto';
import { openDatabase } from '../../src/db/open-database.js';
import { isSmgrError } from '../../src/errors/smgr-error.js';
import { fenced } from '../../src/management-group/fence.js';
import { claimLease, renewLease } from '../../src/management-group/workflow-lease.js';

const env = process.env;
const leaseMs = Number(env.SMGR_WORKER_LEASE_MS ?? 1000);
const idleMs = Number(env.SMGR_WORKER_IDLE_MS ?? 500);
const pauseMs = Number(env.SMGR_WORKER_PAUSE_MS ?? 150);
const maxRefusals = Number(env.SMGR_WORKER_REFUSALS ?? 3);
const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const db = await openDatabase(env.SMGR_WORKER_URL!);
const tenure = await claimLease(db, env.SMGR_WORKER_NAME!, randomUUID(), leaseMs, 10_000);
if (!tenure) {
  say('NOT-HOLDER');
  process.exit(1);
}
say(`HOLDER ${tenure.token}`);
let refusals = 0;
for (let n = 1; refusals < maxRefusals; n++) {
  if (!(await renewLease(db, tenure, leaseMs, 10_000).catch(() => false))) say('LOST');
  try {
    await fenced(db, tenure, idleMs, async (tx) => {
      say(`INSIDE ${n}`);
      await sleep(pauseMs);
      await tx.query(
        `INSERT INTO paused_writes (ord, n, token)
         VALUES (nextval(pg_get_serial_sequence('workflow_lease_history', 'id')), $1, $2)`,
        [n, tenure.token],
      );
    });
    say(`COMMITTED ${n}`);
  } catch (e) {
    refusals++;
    say(`REFUSED ${n} ${isSmgrError(e) ? e.code : ((e as { code?: string }).code ?? 'connection-ended')}`);
  }
  await sleep(20);
}
await db.close().catch(() => {});
