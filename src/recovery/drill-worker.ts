/**
 * The process a restore drill runs in (drill-child.ts starts it with
 * `process.execPath`, at a lower priority): never the server's own process,
 * whose event loop must keep renewing the workflow lease and answering
 * requests while PGlite restores and serves the scratch copy.
 *
 * Input: one JSON argument (DrillRequest: home, computer name, part,
 * archive; no secret). It reads this home's config and secure storage only
 * (never its databases, which the server or the CLI holds open), runs
 * drill.ts, and writes JSON lines to stdout: `{"type":"progress",...}` for
 * each progress event, then `{"type":"evidence","check":{...}}`, or
 * `{"type":"error","message":...}` when it could not even begin.
 *
 * Orphaned (its parent died): it removes its scratch home and its archive
 * marker, and exits. Killed (kill -9): its parent removes them.
 */
import fs from 'node:fs';
import { archiveSource } from '../backup/archive-source.js';
import type { ProgressEvent } from '../backup/progress.js';
import { resolveComputerName } from '../computer/computer-name.js';
import { homePaths } from '../computer/home.js';
import { requireConfig } from '../config/config-file.js';
import { isSmgrError } from '../errors/smgr-error.js';
import type { PartContext } from '../parts/part.js';
import { partDefinition } from '../parts/registry.js';
import { SecureStorage } from '../secure-storage/secure-storage.js';
import { runDrill } from './drill.js';
import type { DrillRequest } from './drill-child.js';

const write = (o: unknown) =>
  new Promise<void>((resolve) => {
    try {
      process.stdout.write(`${JSON.stringify(o)}\n`, () => resolve());
    } catch {
      resolve(); // the parent is gone (EPIPE): the orphan check ends this process
    }
  });

async function main(): Promise<void> {
  const req = JSON.parse(process.argv[2] ?? '{}') as DrillRequest;
  const home = homePaths(req.home);
  const config = requireConfig(home);
  const ctx: PartContext = {
    home,
    config,
    computerName: resolveComputerName(req.computerName, config.computerName),
    storage: SecureStorage.open(home.secureStorage),
  };
  const part = partDefinition(req.part);
  if (!part.drill) throw new Error(`the ${part.title} has no restore drill`);
  const progress = { report: (e: ProgressEvent) => void write({ type: 'progress', ...e }) };
  const source = archiveSource(req.file, part.drill.subject(ctx).s3, progress);
  let scratch: string | undefined;
  const parent = process.ppid;
  const orphan = setInterval(() => {
    if (process.ppid === parent) return;
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
    if (!source.remote) fs.rmSync(`${source.file}.reading-${process.pid}`, { force: true });
    process.exit(1);
  }, 1000);
  orphan.unref();
  const check = await runDrill({
    part,
    ctx,
    file: source.file,
    open: source.open,
    progress,
    archiveCreatedAt: req.archiveCreatedAt,
    apiDeadlineMs: req.apiDeadlineMs,
    step: (message) => progress.report({ phase: 'step', message, tablesDone: 0, tablesTotal: 0 }),
    onScratch: (dir) => {
      scratch = dir;
    },
  });
  await write({ type: 'evidence', check });
}

main().then(
  () => process.exit(0),
  async (e: unknown) => {
    const message = isSmgrError(e) ? `${e.code}: ${e.message}` : ((e as Error)?.message ?? String(e));
    await write({ type: 'error', message });
    process.exit(1);
  },
);
