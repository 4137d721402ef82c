/**
 * `smgr serve`: runs every part installed on this computer in one process
 * (ARCHITECTURE §6). Order, so that a refused start changes nothing:
 *
 *  1. the pid lock of the home (one server per home);
 *  2. the installation opened (config, secure storage, each part's databases);
 *  3. every part prepared: all its checks, and its listener bound — no
 *     database or secure-storage write yet;
 *  4. the admin channel (the operations table, src/operations);
 *  5. every part started (migrations, upgrades, heartbeats, loops).
 *
 * A failure in 1-4 undoes what was done (listeners closed, databases
 * closed, lock released) and has written nothing. stop() (SIGTERM/SIGINT)
 * stops the parts in reverse order, then the admin channel, then closes.
 *
 * Crash (kill -9): leaves server.pid and admin.sock, which the next start
 * takes over (the pid lock is held by the kernel: src/files/file-lock.ts),
 * and registrations that stop heartbeating.
 */
import type { Logger } from 'pino';
import { type AdminChannel, startAdminChannel } from '../admin/admin-channel.js';
import type { HomePaths } from '../computer/home.js';
import { SmgrError } from '../errors/smgr-error.js';
import { lockFile } from '../files/file-lock.js';
import { checkInput } from '../operations/operation.js';
import { findOperation } from '../operations/operations.js';
import { type Installation, openInstallation } from '../parts/installation.js';
import type { PreparedPart, RunningPart } from '../parts/part.js';

export interface ServeOptions {
  home: HomePaths;
  computerName?: string;
  /** Overrides the listen address of the part that listens (the management server, or the only part). */
  listen?: string;
  logger: Logger;
}

export interface RunningServer {
  /** host:port of each listening part, by part name. */
  addresses: Record<string, string>;
  /** The first address (the management server's when it is installed here). */
  address: string;
  stop(): Promise<void>;
}

export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const pidLock = await lockFile(o.home.serverPid, (pid) => new SmgrError('SERVER_RUNNING', { pid }));
  let inst: Installation | undefined;
  const prepared: Array<{ name: string; p: PreparedPart }> = [];
  let admin: AdminChannel | undefined;
  try {
    inst = await openInstallation(o.home, o.computerName);
    for (const part of inst.parts) {
      const listen = part === inst.parts[0] ? o.listen : undefined;
      const p = await part.definition.prepareServe(part, inst, { logger: o.logger, listen }, inst.hooks);
      prepared.push({ name: part.definition.name, p });
    }
    admin = await startAdminChannel(o.home.adminSocket, dispatchOn(inst));
  } catch (e) {
    for (const { p } of prepared.reverse()) await p.abandon().catch(() => {});
    await inst?.close();
    pidLock.release();
    throw e;
  }
  const running: Array<{ name: string; r: RunningPart }> = [];
  const stopAll = async () => {
    for (const { r } of [...running].reverse()) {
      await r.stop().catch((e: Error) => o.logger.error({ err: { message: e.message } }, 'stop failed'));
    }
    await admin?.close();
    await inst?.close();
    pidLock.release();
  };
  try {
    for (const { name, p } of prepared) running.push({ name, r: await p.start() });
  } catch (e) {
    for (const { p } of prepared.slice(running.length)) await p.abandon().catch(() => {});
    await stopAll();
    throw e;
  }
  const addresses: Record<string, string> = {};
  for (const { name, r } of running) if (r.address) addresses[name] = r.address;
  return { addresses, address: Object.values(addresses)[0] ?? '', stop: stopAll };
}

function dispatchOn(inst: Installation) {
  return async (name: string, body: unknown, report: (event: unknown) => void) => {
    const op = findOperation(name);
    if (!op) throw new SmgrError('ROUTE_NOT_FOUND', { method: 'POST', path: name });
    return op.run(inst, checkInput(op, body), { report });
  };
}
