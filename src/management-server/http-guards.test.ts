/**
 * The HTTP server below the routes, over real sockets with real curl (one
 * engine: nothing here depends on it): a body over the limit gets its 413
 * answer, with or without Expect: 100-continue, chunked or not, many at once
 * while the machine is busy, and is never asked for with 100 Continue; a
 * body within the limit is; oversized headers, stalled headers and bodies,
 * other Expect values, malformed requests and too many connections from one
 * address each get their registry answer `{error, message, remedy}`, and the
 * answer arrives before the connection closes.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type ApiFixture, openApiFixture } from '../../test/support/api-fixture.js';
import { serverFixture, tempDir } from '../../test/support/engines.js';
import { buildApp } from './build-app.js';
import { BODY_LIMIT } from './http-errors.js';

interface CurlResult {
  exit: number;
  status: number;
  body: string;
  trace: string;
}

function curl(args: string[]): Promise<CurlResult> {
  return new Promise((resolve) => {
    execFile(
      'curl',
      ['-sS', '-v', '-o', '-', '-w', '\n%{http_code}', '--max-time', '120', ...args],
      { maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const cut = stdout.lastIndexOf('\n');
        resolve({
          exit: typeof err?.code === 'number' ? err.code : 0,
          status: Number(stdout.slice(cut + 1)),
          body: stdout.slice(0, cut),
          trace: stderr,
        });
      },
    );
  });
}

/** Sends `chunks` (strings, or pauses in ms) on a raw connection; answers everything read until the server closes. */
function raw(port: number, chunks: Array<string | number>, deadlineMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${deadlineMs} ms; read: ${got}`));
    }, deadlineMs);
    socket.on('data', (d) => {
      got += d.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    void (async () => {
      for (const c of chunks) {
        if (socket.destroyed) return;
        if (typeof c === 'number') await new Promise((r) => setTimeout(r, c));
        else socket.write(c);
      }
    })();
  });
}

/** The status line and JSON body of a raw answer; asserts the registry shape. */
function parseRaw(answer: string): { status: number; body: Record<string, string> } {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  const json = JSON.parse(body) as Record<string, string>;
  assert.deepEqual(Object.keys(json).sort(), ['error', 'message', 'remedy'], answer);
  assert.match(head, /content-type: application\/json/i);
  return { status, body: json };
}

/** Busy loops beside the test, as another engineer's build would be. */
function burnCpu(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
}

describe('HTTP guards (server)', () => {
  let fx: ApiFixture;
  let port: number;
  let tight: FastifyInstance;
  let tightPort: number;
  let token: string;
  let dir: string;
  let big: string;
  let fits: string;

  before(async () => {
    fx = await openApiFixture(serverFixture, { limits: { http: { maxConnectionsPerAddress: 64 } } });
    await fx.app.listen({ host: '127.0.0.1', port: 0 });
    port = (fx.app.server.address() as net.AddressInfo).port;
    tight = await buildApp({
      ...fx.ctx,
      limits: {
        http: {
          headersTimeoutMs: 1_000,
          requestTimeoutMs: 1_500,
          timeoutCheckIntervalMs: 100,
          maxConnectionsPerAddress: 3,
          lingerMs: 1_000,
        },
      },
    });
    await tight.listen({ host: '127.0.0.1', port: 0 });
    tightPort = (tight.server.address() as net.AddressInfo).port;
    token = await fx.login();
    dir = tempDir('smgr-http-');
    big = path.join(dir, 'big.json');
    fs.writeFileSync(
      big,
      JSON.stringify({ class: 'incident', title: 'big', description: 'x'.repeat(4 * BODY_LIMIT) }),
    );
    fits = path.join(dir, 'fits.json');
    fs.writeFileSync(
      fits,
      JSON.stringify({ class: 'incident', title: 'fits', properties: { blob: 'y'.repeat(BODY_LIMIT / 2) } }),
    );
  });
  after(async () => {
    await tight.close();
    await fx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const url = () => `http://127.0.0.1:${port}/api/v1/work-items`;
  const post = (file: string, ...extra: string[]) =>
    curl([
      '-H',
      `authorization: Bearer ${token}`,
      '-H',
      'content-type: application/json',
      ...extra,
      '--data-binary',
      `@${file}`,
      url(),
    ]);

  const assertTooLarge = (r: CurlResult, what: string) => {
    assert.equal(r.exit, 0, `${what}: curl exit ${r.exit}: ${r.trace.split('\n').slice(-5).join(' | ')}`);
    assert.equal(r.status, 413, `${what}: ${r.body}`);
    assert.deepEqual(JSON.parse(r.body), {
      error: 'BODY_TOO_LARGE',
      message: `The request body is larger than ${BODY_LIMIT} bytes.`,
      remedy: 'Send a smaller body.',
    });
  };

  it('a body over the limit gets its 413 every time, many at once on a busy machine, never a broken pipe', async () => {
    const burners = burnCpu(2);
    try {
      const runs: Array<Promise<[string, CurlResult]>> = [];
      for (let i = 0; i < 8; i++) {
        runs.push(post(big).then((r) => ['Expect: 100-continue (curl default)', r]));
        runs.push(post(big, '-H', 'Expect:').then((r) => ['no Expect', r]));
        runs.push(post(big, '-H', 'Transfer-Encoding: chunked').then((r) => ['chunked', r]));
      }
      for (const [what, r] of await Promise.all(runs)) {
        assertTooLarge(r, what);
        if (what.startsWith('Expect')) {
          assert.match(r.trace, /> Expect: 100-continue/);
          assert.doesNotMatch(r.trace, /< HTTP\/1\.1 100 Continue/, 'not asked for a body it will refuse');
        }
      }
    } finally {
      for (const b of burners) b.kill();
    }
  });

  it('a body within the limit is asked for with 100 Continue only after authentication', async () => {
    const ok = await post(fits, '-H', 'Expect: 100-continue');
    assert.equal(ok.status, 201, ok.body);
    assert.match(ok.trace, /< HTTP\/1\.1 100 Continue/);
    const anonymous = await curl([
      '-H',
      'content-type: application/json',
      '-H',
      'Expect: 100-continue',
      '--data-binary',
      `@${fits}`,
      url(),
    ]);
    assert.equal(anonymous.exit, 0, anonymous.trace);
    assert.equal(anonymous.status, 401);
    assert.equal(JSON.parse(anonymous.body).error, 'UNAUTHORIZED');
    assert.doesNotMatch(anonymous.trace, /< HTTP\/1\.1 100 Continue/);
  });

  it('oversized headers: 431 HEADERS_TOO_LARGE in the registry shape', async () => {
    const r = await curl(['-H', `x-filler: ${'a'.repeat(20_000)}`, url()]);
    assert.equal(r.exit, 0, r.trace);
    assert.equal(r.status, 431);
    assert.equal(JSON.parse(r.body).error, 'HEADERS_TOO_LARGE');
  });

  it('an Expect other than 100-continue: 417; malformed HTTP: 400 MALFORMED_REQUEST', async () => {
    const r = await curl(['-H', 'Expect: the-unexpected', url()]);
    assert.equal(r.status, 417, r.body);
    assert.equal(JSON.parse(r.body).error, 'EXPECTATION_FAILED');
    const bad = parseRaw(await raw(port, ['GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n']));
    assert.deepEqual([bad.status, bad.body.error], [400, 'MALFORMED_REQUEST']);
  });

  it('stalled headers and stalled bodies get 408 REQUEST_TIMEOUT, then the connection closes', async () => {
    const headers = parseRaw(await raw(tightPort, ['GET /health HTTP/1.1\r\nHost: x\r\n', 5_000]));
    assert.deepEqual([headers.status, headers.body.error], [408, 'REQUEST_TIMEOUT']);
    const head = `POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`;
    const stalled = parseRaw(await raw(tightPort, [head, '{"username":', 5_000]));
    assert.deepEqual([stalled.status, stalled.body.error], [408, 'REQUEST_TIMEOUT']);
    // A byte every 200 ms never finishes the body: the whole request has a deadline, not each byte.
    const drip: Array<string | number> = [head];
    for (let i = 0; i < 40; i++) drip.push('x', 200);
    const dripped = parseRaw(await raw(tightPort, drip));
    assert.deepEqual([dripped.status, dripped.body.error], [408, 'REQUEST_TIMEOUT']);
  });

  it('more connections from one address than allowed: 429 TOO_MANY_CONNECTIONS; a closed one frees a place', async () => {
    const open: net.Socket[] = [];
    const connect = () =>
      new Promise<net.Socket>((resolve) => {
        const s = net.connect(tightPort, '127.0.0.1', () => resolve(s));
        s.on('error', () => {});
      });
    try {
      for (let i = 0; i < 3; i++) open.push(await connect());
      const refused = parseRaw(await raw(tightPort, ['GET /health HTTP/1.1\r\nHost: x\r\n\r\n']));
      assert.deepEqual([refused.status, refused.body.error], [429, 'TOO_MANY_CONNECTIONS']);
      const closed = new Promise((r) => open[0]!.once('close', r));
      open.shift()!.destroy();
      await closed;
      const deadline = Date.now() + 10_000;
      let answer = '';
      do {
        answer = await raw(tightPort, ['GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
      } while (!answer.startsWith('HTTP/1.1 200') && Date.now() < deadline);
      assert.match(answer, /^HTTP\/1\.1 200/);
    } finally {
      for (const s of open) s.destroy();
    }
  });
});
