/**
 * What the HTTP server does below Fastify's routes, so that every answer,
 * even one Node's parser or a timeout produces, is `{error, message, remedy}`
 * from the registry, and no answer is lost to a reset connection.
 *
 * - Expect: 100-continue: 100 Continue is sent only when the body is about
 *   to be read (after authentication and authorization, and only if the
 *   declared length is within the limit); a request declaring more gets its
 *   413 without ever being asked for the body.
 * - Closing: when a connection closes after an answer (Connection: close, an
 *   early 413, a timeout), the server first sends its FIN, then keeps reading
 *   and discarding what the client still sends until the client closes or
 *   lingerMs pass (Apache's lingering close). Closing at once would make the
 *   kernel reset the connection, and a client still sending its body would
 *   lose the answer (a "broken pipe" instead of the 413).
 * - Timeouts: headers within headersTimeoutMs, the whole request within
 *   requestTimeoutMs (a stalled body too), checked every
 *   timeoutCheckIntervalMs: 408 REQUEST_TIMEOUT.
 * - Oversized headers (431), malformed HTTP (400), other Expect values (417)
 *   and connections over maxConnectionsPerAddress (429) are answered here.
 */
import http from 'node:http';
import type net from 'node:net';
import type { FastifyHttpOptions, FastifyInstance } from 'fastify';
import { SmgrError } from '../errors/smgr-error.js';
import type { HttpLimits } from './api-limits.js';
import { BODY_LIMIT } from './http-errors.js';

/** Node's default limit on the size of the request line and headers. */
export const MAX_HEADER_BYTES = 16 * 1024;

/** Requests whose 100 Continue waits until their body is read. */
const awaitingContinue = new WeakSet<http.IncomingMessage>();
/** Sockets whose answer went out; anything the parser still reports on them is not answered again. */
const answered = new WeakSet<net.Socket>();

/** The Fastify options these guards need (timeouts and the handler of Node's client errors). */
export function guardedServerOptions(limits: HttpLimits): FastifyHttpOptions<http.Server> {
  return {
    requestTimeout: limits.requestTimeoutMs,
    http: {
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      connectionsCheckingInterval: limits.timeoutCheckIntervalMs,
      maxHeaderSize: MAX_HEADER_BYTES,
    },
    clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: net.Socket) {
      if (err.code === 'ECONNRESET' || socket.destroyed) return;
      const e = clientError(err, limits);
      this.log.info({ code: e.code, statusCode: e.httpStatus }, 'request refused');
      const inFlight = (socket as net.Socket & { _httpMessage?: http.ServerResponse })._httpMessage;
      if (!answered.has(socket) && socket.writable && !inFlight?.headersSent) writeRaw(socket, e);
      lingeringClose(socket, limits.lingerMs, true);
    },
  };
}

function clientError(err: NodeJS.ErrnoException, limits: HttpLimits): SmgrError {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new SmgrError('HEADERS_TOO_LARGE', { limit: MAX_HEADER_BYTES });
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new SmgrError('REQUEST_TIMEOUT', { seconds: Math.round(limits.requestTimeoutMs / 1000) });
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new SmgrError('BODY_TOO_LARGE', { limit: BODY_LIMIT });
    default:
      return new SmgrError('MALFORMED_REQUEST');
  }
}

/** Writes a whole HTTP/1.1 answer straight to the socket (for answers outside a request). */
export function writeRaw(socket: net.Socket, e: SmgrError, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(e.toJSON());
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.write(
    `HTTP/1.1 ${e.httpStatus} ${http.STATUS_CODES[e.httpStatus] ?? 'Error'}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n${extra}\r\n${body}`,
  );
  answered.add(socket);
}

/**
 * Half-closes after what is written, then discards input until the client
 * closes or `lingerMs` pass. `detach` stops the HTTP parser from reading on
 * (an answer written outside a request must be the last).
 */
export function lingeringClose(socket: net.Socket, lingerMs: number, detach = false): void {
  if (socket.destroyed) return;
  if (detach) socket.removeAllListeners('data');
  const destroy = () => socket.destroy();
  const timer = setTimeout(destroy, lingerMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', destroy);
  socket.on('data', () => {});
  socket.resume();
  if (socket.writable) socket.end();
}

/** Installs the guards on the app's server: call before the app listens. */
export function installHttpGuards(app: FastifyInstance, limits: HttpLimits): void {
  const server = app.server as http.Server;
  const perAddress = new Map<string, number>();

  server.on('connection', (socket: net.Socket) => {
    // Node closes a connection after a `Connection: close` answer with destroySoon(): linger instead.
    socket.destroySoon = () => {
      answered.add(socket);
      lingeringClose(socket, limits.lingerMs);
    };
    const address = socket.remoteAddress ?? '';
    const open = (perAddress.get(address) ?? 0) + 1;
    perAddress.set(address, open);
    socket.once('close', () => {
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left > 0) perAddress.set(address, left);
      else perAddress.delete(address);
    });
    if (open > limits.maxConnectionsPerAddress) {
      app.log.warn({ code: 'TOO_MANY_CONNECTIONS', open }, 'connection refused');
      writeRaw(socket, new SmgrError('TOO_MANY_CONNECTIONS', { limit: limits.maxConnectionsPerAddress }), {
        'Retry-After': '1',
      });
      lingeringClose(socket, limits.lingerMs, true);
    }
  });

  server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const declared = Number(req.headers['content-length']);
    if (!(declared > BODY_LIMIT)) awaitingContinue.add(req);
    server.emit('request', req, res);
  });

  server.on('checkExpectation', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const e = new SmgrError('EXPECTATION_FAILED');
    app.log.info({ code: e.code, statusCode: e.httpStatus }, 'request refused');
    res.writeHead(e.httpStatus, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
    res.end(JSON.stringify(e.toJSON()));
    req.resume();
  });

  // The body is about to be read: now ask the client for it.
  app.addHook('preParsing', async (request, reply, payload) => {
    if (awaitingContinue.delete(request.raw)) reply.raw.writeContinue();
    return payload;
  });
}
