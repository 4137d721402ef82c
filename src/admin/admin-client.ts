/**
 * The CLI side of the admin channel: calls an operation of the server that
 * runs from this home, or answers `undefined` when none runs (no socket, or a
 * stale one), so the caller opens the database itself.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { HomePaths } from '../computer/home.js';
import type { ErrorCode } from '../errors/error-registry.js';
import { SmgrError } from '../errors/smgr-error.js';

const NO_SERVER = new Set(['ENOENT', 'ECONNREFUSED']);

export async function callAdmin<T>(
  home: HomePaths,
  op: string,
  body: unknown = {},
  onEvent: (event: unknown) => void = () => {},
): Promise<T | undefined> {
  if (!fs.existsSync(home.adminSocket)) return undefined;
  let answer: { ok: boolean; result?: T } & Partial<RemoteError>;
  try {
    answer = JSON.parse(await post(home.adminSocket, op, JSON.stringify(body), onEvent));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code && NO_SERVER.has(code)) return undefined;
    throw new SmgrError('ADMIN_CHANNEL_FAILED', { path: home.adminSocket, reason: (e as Error).message });
  }
  if (answer.ok) return answer.result as T;
  throw remoteError(answer);
}

interface RemoteError {
  error: ErrorCode;
  message: string;
  remedy: string;
}

/** Rebuilds the server's SmgrError so the CLI prints the same cause and remedy. */
function remoteError(e: Partial<RemoteError>): SmgrError {
  const err = new SmgrError(e.error ?? 'INTERNAL');
  Object.assign(err, { message: e.message ?? err.message, remedy: e.remedy ?? err.remedy });
  return err;
}

/** Posts and reads JSON lines: `{event}` lines go to onEvent; the last line is the answer. */
function post(
  socketPath: string,
  op: string,
  body: string,
  onEvent: (event: unknown) => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json' };
    const req = http.request(
      { socketPath, path: `/${op}`, method: 'POST', headers, timeout: 600_000 },
      (res) => {
        let pending = '';
        let last = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          pending += c;
          for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n')) {
            const line = pending.slice(0, nl);
            pending = pending.slice(nl + 1);
            const parsed = JSON.parse(line) as { event?: unknown };
            if ('event' in parsed) onEvent(parsed.event);
            else last = line;
          }
        });
        res.on('end', () => resolve(last || pending));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}
