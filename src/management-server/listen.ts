/** Binds a Fastify app to HOST:PORT ([v6]:port too); a port in use is LISTEN_FAILED naming the address. */
import type { FastifyInstance } from 'fastify';
import { SmgrError } from '../errors/smgr-error.js';

export async function listenOn(app: FastifyInstance, listen: string): Promise<string> {
  const m = /^(.*):(\d+)$/.exec(listen);
  if (!m) throw new SmgrError('USAGE', { detail: `--listen must be HOST:PORT, not ${listen}` });
  const host = m[1]!.replace(/^\[(.*)\]$/, '$1');
  try {
    await app.listen({ host, port: Number(m[2]) });
  } catch (e) {
    throw new SmgrError('LISTEN_FAILED', {
      address: listen,
      reason: (e as NodeJS.ErrnoException).code ?? 'error',
    });
  }
  const addr = app.server.address();
  return typeof addr === 'object' && addr
    ? `${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`
    : listen;
}
