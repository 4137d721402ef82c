/**
 * Drives the built CLI (dist/src/cli/main.js) as a user would: separate
 * processes, real homes, real ports. `startServe` waits for the listening
 * line and returns the base URL; `stop` sends SIGTERM and waits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

export const CLI = path.resolve('dist/src/cli/main.js');
const SERVE_START_DEADLINE_MS = 300_000;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliEnv {
  home: string;
  computerName?: string;
  env?: Record<string, string>;
}

function envFor(o: CliEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, SMGR_HOME: o.home, SMGR_LOG_LEVEL: 'info', ...o.env };
  if (o.computerName) env.SMGR_COMPUTER_NAME = o.computerName;
  else delete env.SMGR_COMPUTER_NAME;
  return env;
}

/** The result of a --json command: its last line (progress events, if any, come before it). */
// biome-ignore lint/suspicious/noExplicitAny: a JSON document of any shape
export function jsonOut(stdout: string): any {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '');
}

/** The management server's entry of a `status --json` answer. */
// biome-ignore lint/suspicious/noExplicitAny: a JSON document of any shape
export function msStatus(status: any): any {
  // biome-ignore lint/suspicious/noExplicitAny: as above
  return status.parts.find((p: any) => p.part === 'management-server');
}

/** Every line a test run printed, for the "no secret ever leaves" checks. */
export const transcript: string[] = [];

export function runCli(args: string[], o: CliEnv & { input?: string }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: envFor(o),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      transcript.push(stdout, stderr);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(o.input ?? '');
  });
}

export interface ServeHandle {
  child: ChildProcess;
  baseUrl: string;
  logs(): string;
  stdout(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `smgr serve` (or, with command 'start', `smgr start`) and resolves once it listens. */
export function startServe(
  o: CliEnv,
  extraArgs: string[] = [],
  command: 'serve' | 'start' = 'serve',
): Promise<ServeHandle> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, command, '--listen', '127.0.0.1:0', ...extraArgs], {
      env: envFor(o),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // A deadline, not a time window: a first run on a busy machine spends most of a minute in PGlite's
    // initdb. On expiry the child is killed, so no server outlives its test.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`serve did not start within ${SERVE_START_DEADLINE_MS / 1000} s:\n${stdout}\n${stderr}`),
      );
    }, SERVE_START_DEADLINE_MS);
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve({
          child,
          baseUrl: m[1]!,
          logs: () => stdout + stderr,
          stdout: () => stdout,
          stop: async (signal = 'SIGTERM') => {
            child.kill(signal);
            const code = await exited;
            transcript.push(stdout, stderr);
            return code;
          },
        });
      }
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      transcript.push(stdout, stderr);
      reject(
        Object.assign(new Error(`serve exited ${code}:\n${stdout}\n${stderr}`), { code, stdout, stderr }),
      );
    });
  });
}

export interface ApiAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests check JSON answers field by field
  body: any;
  text: string;
}

/** A small JSON client for the HTTP API. */
export async function api(
  baseUrl: string,
  method: string,
  route: string,
  body?: unknown,
  token?: string,
): Promise<ApiAnswer> {
  const res = await fetch(`${baseUrl}${route}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  transcript.push(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text };
}
