/**
 * The local admin channel (ARCHITECTURE §2): while `smgr serve` runs, CLI
 * commands that need the database ask the server through a Unix socket in the
 * home (mode 0600, in a 0700 home: file permissions are the authentication).
 * Requests are `POST /<operation>` with a JSON body (the operation's input,
 * src/operations); the answer is JSON lines: zero or more `{event}` lines
 * (progress of a long operation), then one `{ok: true, result}` or
 * `{ok: false, error: CODE, message, remedy}` line (the one error shape of
 * docs/ERRORS.md), so an SmgrError raised in the server reaches the CLI whole.
 *
 * Crash: a kill -9 leaves the socket file; clients treat a refused connection
 * as "no server" and the next server removes the stale file.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { isSmgrError, SmgrError } from '../errors/smgr-error.js';

/** Runs operation `name` on `body`; an unknown name is ROUTE_NOT_FOUND, a bad body USAGE. */
export type AdminDispatch = (
  name: string,
  body: unknown,
  report: (event: unknown) => void,
) => Promise<unknown>;

export interface AdminChannel {
  close(): Promise<void>;
}

// Up to 4 MiB of management pack (docs/MANAGEMENT-PACKS.md §2) and its envelope.
const MAX_BODY = 5 * 1024 * 1024;

/** Linux limits a Unix socket's path to 107 bytes. */
const MAX_SOCKET_PATH = 107;

export async function startAdminChannel(socketPath: string, dispatch: AdminDispatch): Promise<AdminChannel> {
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    throw new SmgrError('HOME_UNUSABLE', {
      path: path.dirname(socketPath),
      reason: `the admin socket's path is longer than the ${MAX_SOCKET_PATH} bytes a Unix socket allows; use a shorter --home`,
    });
  }
  fs.rmSync(socketPath, { force: true });
  const server = http.createServer((req, res) => {
    void handle(req, res, dispatch);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  fs.chmodSync(socketPath, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        fs.rmSync(socketPath, { force: true });
      }),
  };
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, dispatch: AdminDispatch) {
  const send = (status: number, payload: unknown) => {
    if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/x-ndjson' });
    res.end(`${JSON.stringify(payload)}\n`);
  };
  const report = (event: unknown) => {
    if (!res.headersSent) res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write(`${JSON.stringify({ event })}\n`);
  };
  try {
    const op = (req.url ?? '/').slice(1);
    if (req.method !== 'POST') throw new SmgrError('ROUTE_NOT_FOUND', { method: req.method ?? '', path: op });
    const body = await readBody(req);
    send(200, { ok: true, result: await dispatch(op, body, report) });
  } catch (e) {
    const err = isSmgrError(e) ? e : new SmgrError('INTERNAL');
    send(200, { ok: false, ...err.toJSON() });
  }
}

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new SmgrError('BODY_TOO_LARGE', { limit: MAX_BODY });
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    throw new SmgrError('MALFORMED_JSON');
  }
}
