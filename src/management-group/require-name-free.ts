/**
 * Whether a computer name may be set up again with an existing database
 * (recovery under the same name): its registration must not be alive —
 * heartbeated within ALIVE_WINDOW_S without a clean stop — unless forced.
 *
 * A refusal (SERVER_NAME_IN_USE) says how many seconds the window has left,
 * by the database's clock. With `wait`, it waits that out instead, polling
 * the registration about once a second, and refuses as soon as the server
 * heartbeats again (then it is running, not dead). Reads only: a refusal, a
 * crash or Ctrl-C during the wait leaves everything as it was.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Queryable } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { ALIVE_WINDOW_S, getRegistration, type Part, type Registration } from './registration.js';

export interface NameFreeOptions {
  /** Take over a registration that still looks alive (--force). */
  force?: boolean;
  /** Wait until the registration stops looking alive (--wait). */
  wait?: boolean;
  /** Told once, when the wait begins (setup prints it; smgr recover reports it as progress). */
  onWait?: (message: string) => void;
}

/** The registration under this name, if any, once it is not alive (or forced); else SERVER_NAME_IN_USE. */
export async function requireNameFree(
  db: Queryable,
  computerName: string,
  part: Part,
  o: NameFreeOptions,
): Promise<Registration | undefined> {
  let reg = await getRegistration(db, computerName, part);
  if (!reg?.alive || o.force) return reg;
  if (!o.wait) throw nameInUse(reg);
  const seen = reg.lastHeartbeat?.getTime();
  o.onWait?.(
    `${computerName} last heartbeated at ${heartbeatOf(reg)}: waiting ${reg.aliveLeftS} s until its name is free ` +
      `(a server that sent no heartbeat for ${ALIVE_WINDOW_S} s counts as gone); Ctrl-C stops the wait, changing nothing`,
  );
  while (reg?.alive) {
    await delay(Math.min(1000, Math.max(100, reg.aliveLeftS * 1000)));
    reg = await getRegistration(db, computerName, part);
    if (reg?.alive && reg.lastHeartbeat?.getTime() !== seen) throw nameInUse(reg);
  }
  return reg;
}

/** SERVER_NAME_IN_USE for an alive registration, with the seconds its window has left. */
export function nameInUse(
  reg: Pick<Registration, 'computerName' | 'aliveLeftS'> & { lastHeartbeat: unknown },
) {
  return new SmgrError('SERVER_NAME_IN_USE', {
    computer: reg.computerName,
    heartbeat: heartbeatOf(reg),
    left: String(Math.max(1, reg.aliveLeftS)),
  });
}

function heartbeatOf(reg: { lastHeartbeat: unknown }): string {
  const h = reg.lastHeartbeat;
  return h instanceof Date ? h.toISOString() : typeof h === 'string' ? h : 'unknown';
}
