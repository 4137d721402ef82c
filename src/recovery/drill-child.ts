/**
 * A restore drill in a child process (drill-worker.ts), so the drill's
 * CPU-heavy work (PGlite restoring and serving the scratch copy) never runs
 * on the event loop of the server that asked for it: the workflow lease is
 * renewed, heartbeats beat and requests are answered meanwhile. The child
 * runs at a lower priority (os.setPriority, +10, where allowed); its JSON
 * lines are read as progress and, last, the evidence.
 *
 * Guarantees: answers the child's evidence when it gave one; when it died
 * without (killed, crashed, timed out) answers a FAILED drill saying so,
 * never throws for it. Once the child has exited, its scratch home and its
 * archive marker are removed (kill -9 leaves them; this removes them). A
 * timeout kills the child (SIGKILL). `signal` (the server stopping) kills
 * it too and rejects with DRILL_INTERRUPTED: a drill cut short by a
 * shutdown is no evidence either way. Nothing recorded here: the caller
 * records the evidence, once.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Progress, ProgressEvent } from '../backup/progress.js';
import { isS3Url } from '../backup/s3-target.js';
import type { HomePaths } from '../computer/home.js';
import type { PartName } from '../parts/part.js';
import type { ArchiveCheck } from './archive-checks.js';

/** What the worker is told (argv, JSON): names and paths only, never a secret. */
export interface DrillRequest {
  home: string;
  computerName: string;
  part: PartName;
  file: string;
  archiveCreatedAt: string;
  apiDeadlineMs?: number;
}

/** How a scheduled drill is stopped (the server stopping) and watched (its child's pid, logged). */
export interface DrillControl {
  signal: AbortSignal;
  onStart(pid: number): void;
}

export interface ChildDrillOptions {
  home: HomePaths;
  computerName: string;
  part: PartName;
  /** The archive: a path or an s3:// URL. */
  file: string;
  archiveCreatedAt: string;
  progress?: Progress;
  /** The whole drill's limit (default SMGR_DRILL_TIMEOUT_SECONDS, else 1 h). */
  timeoutMs?: number;
  /** Aborted: the child is killed and the drill rejects with DRILL_INTERRUPTED. */
  signal?: AbortSignal;
  /** Told the child's pid once it runs. */
  onStart?(pid: number): void;
}

const WORKER = fileURLToPath(new URL('./drill-worker.js', import.meta.url));
const NICE = 10;

export const drillTimeoutMs = (): number => (Number(process.env.SMGR_DRILL_TIMEOUT_SECONDS) || 3600) * 1000;

export function drillInChild(o: ChildDrillOptions): Promise<ArchiveCheck> {
  const startedAt = new Date().toISOString();
  const req: DrillRequest = {
    home: o.home.root,
    computerName: o.computerName,
    part: o.part,
    file: isS3Url(o.file) ? o.file : path.resolve(o.file),
    archiveCreatedAt: o.archiveCreatedAt,
  };
  const failed = (error: string): ArchiveCheck => ({
    kind: 'drill',
    archive: path.basename(o.file),
    archiveCreatedAt: o.archiveCreatedAt,
    computerName: o.computerName,
    startedAt,
    finishedAt: new Date().toISOString(),
    ok: false,
    error,
  });
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) return reject(interrupted());
    const child = spawn(process.execPath, [WORKER, JSON.stringify(req)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pid = child.pid;
    if (pid !== undefined) {
      try {
        os.setPriority(pid, NICE);
      } catch {
        // not allowed here: the drill runs at the server's priority
      }
      o.onStart?.(pid);
    }
    let evidence: ArchiveCheck | undefined;
    let message: string | undefined;
    let why: 'timeout' | 'aborted' | undefined;
    const limit = o.timeoutMs ?? drillTimeoutMs();
    const timer = setTimeout(() => {
      why = 'timeout';
      child.kill('SIGKILL');
    }, limit);
    const abort = () => {
      why ??= 'aborted';
      child.kill('SIGKILL');
    };
    o.signal?.addEventListener('abort', abort, { once: true });
    child.stderr.resume(); // drained, never shown: it could hold anything
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      let m: { type?: string; check?: ArchiveCheck; message?: string } & Partial<ProgressEvent>;
      try {
        m = JSON.parse(line);
      } catch {
        return;
      }
      if (m.type === 'evidence' && m.check) evidence = m.check;
      else if (m.type === 'error') message = m.message;
      else if (m.type === 'progress') {
        const { type: _t, ...event } = m;
        o.progress?.report(event as ProgressEvent);
      }
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', abort);
      resolve(failed(`the drill's process could not start: ${e.message}`));
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', abort);
      if (pid !== undefined) cleanUpAfter(pid, req.file);
      if (why === 'aborted') return reject(interrupted());
      if (evidence) return resolve(evidence);
      if (why === 'timeout')
        return resolve(failed(`the drill took longer than ${limit / 1000} s; its process was killed`));
      if (message) return resolve(failed(message));
      resolve(
        failed(
          sig
            ? `the drill's process (pid ${pid}) was killed by ${sig} before it finished`
            : `the drill's process (pid ${pid}) ended with exit code ${code} before it finished`,
        ),
      );
    });
  });
}

/** What a dead drill process leaves: its scratch home and the archive's `.reading-<pid>` marker. */
function cleanUpAfter(pid: number, file: string): void {
  for (const n of fs.readdirSync(os.tmpdir())) {
    if (n.startsWith(`smgr-drill-${pid}-`))
      fs.rmSync(path.join(os.tmpdir(), n), { recursive: true, force: true });
  }
  if (!isS3Url(file)) fs.rmSync(`${file}.reading-${pid}`, { force: true });
}

const interrupted = () =>
  Object.assign(new Error('the drill was stopped: its server is shutting down'), {
    code: 'DRILL_INTERRUPTED',
  });
