/**
 * A recover preflight check of every part that listens (the plan's
 * `--listen`): binds HOST:PORT and releases it at once. Writes nothing;
 * LISTEN_FAILED when something holds the address, USAGE when it is not
 * HOST:PORT.
 */
import net from 'node:net';
import { SmgrError } from '../errors/smgr-error.js';

/** Binds and releases HOST:PORT: LISTEN_FAILED when something holds it. */
export function probeListen(listen: string): Promise<void> {
  const m = /^(.*):(\d+)$/.exec(listen);
  if (!m) throw new SmgrError('USAGE', { detail: `--listen must be HOST:PORT, not ${listen}` });
  const host = m[1]!.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new SmgrError('LISTEN_FAILED', { address: listen, reason: e.code ?? 'error' })),
    );
    server.listen({ host, port: Number(m[2]) }, () => server.close(() => resolve()));
  });
}
