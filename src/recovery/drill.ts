/**
 * A restore drill (issue 13 item 4): proof, gathered by smgr itself, that an
 * archive restores and serves. Into a scratch home under the temporary
 * directory (`smgr-drill-<pid>-*`): the part's key and backup identity
 * copied from this computer's secure storage (nothing else), the archive
 * restored into embedded databases by the part's drill hook (part-drill.ts;
 * every count and hash checked), each table's rows counted again against
 * the manifest, the restored part started on 127.0.0.1 port 0, the time
 * until its API answered measured, its doctor run, then everything stopped
 * and the scratch home deleted. Answers the evidence (archive-checks.ts);
 * the caller records it. Never throws for a failing drill: the evidence
 * says why. Knows no part by name.
 *
 * It runs in a child process of its own (drill-worker.ts, started by
 * drill-child.ts), never in a server's process: it is CPU-heavy (PGlite).
 * It writes nothing outside the scratch home except the archive's
 * `.reading-<pid>` marker (archive-use.ts), so prune leaves the archive
 * alone meanwhile. An archive in an S3 bucket is streamed from it (no local
 * copy, no marker). Crash: a scratch home left behind, removed by the
 * parent when it sees the child die, else by the next drill (its pid is
 * dead).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { useArchive } from '../backup/archive-use.js';
import type { Progress } from '../backup/progress.js';
import type { ReadArchiveOptions } from '../backup/read-archive.js';
import { TABLES_WRITTEN_AFTER_RESTORE } from '../backup/restore-schema.js';
import { homePaths } from '../computer/home.js';
import { writeConfig } from '../config/config-file.js';
import type { SmgrConfig } from '../config/config-schema.js';
import { quoteIdent } from '../db/database.js';
import { openDatabase } from '../db/open-database.js';
import { isSmgrError } from '../errors/smgr-error.js';
import { isAlive } from '../files/file-lock.js';
import { openInstallation } from '../parts/installation.js';
import type { OpenedPart, PartContext, PartDefinition } from '../parts/part.js';
import { SecureStorage } from '../secure-storage/secure-storage.js';
import type { ArchiveCheck } from './archive-checks.js';
import type { PartDrill, ScratchServer } from './part-drill.js';

export interface DrillOptions {
  /** The part whose archive this is (it has a drill hook). */
  part: PartDefinition;
  /** This computer: its home's config, name and secure storage (read only). */
  ctx: PartContext;
  /** The archive (.smbak) to drill: a path, or an s3:// URL read from the bucket (with `open`). */
  file: string;
  /** s3-stream: opens the archive's bytes when `file` is not local (src/backup/archive-source.ts). */
  open?: ReadArchiveOptions['open'];
  /** The restore's progress (tables, rows; bytes downloaded from a bucket). */
  progress?: Progress;
  archiveCreatedAt: string;
  /** How long the scratch server may take to answer (default 120 s). */
  apiDeadlineMs?: number;
  /** Told each stage, in words (progress). */
  step?(message: string): void;
  /** Told the scratch directory once made (the worker removes it if its parent dies). */
  onScratch?(dir: string): void;
}

export const DRILL_SCRATCH_PREFIX = 'smgr-drill-';

export async function runDrill(o: DrillOptions): Promise<ArchiveCheck> {
  const startedAt = new Date().toISOString();
  const evidence: ArchiveCheck = {
    kind: 'drill',
    archive: path.basename(o.file),
    archiveCreatedAt: o.archiveCreatedAt,
    computerName: o.ctx.computerName,
    startedAt,
    ok: false,
  };
  removeStaleScratch();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `${DRILL_SCRATCH_PREFIX}${process.pid}-`));
  o.onScratch?.(scratch);
  // A bucket's archive has no marker beside it: prune of a bucket keeps the newest verified archive.
  const release = o.open ? () => {} : useArchive(o.file);
  try {
    await drillInto(scratch, o, evidence);
    evidence.ok = evidence.doctorOk === true && evidence.error === undefined;
  } catch (e) {
    evidence.error = reason(e);
  } finally {
    release();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  evidence.finishedAt = new Date().toISOString();
  return evidence;
}

function hookOf(part: PartDefinition): PartDrill {
  if (!part.drill) throw new Error(`the ${part.title} has no restore drill`);
  return part.drill;
}

async function drillInto(scratch: string, o: DrillOptions, ev: ArchiveCheck): Promise<void> {
  const step = o.step ?? (() => {});
  const hook = hookOf(o.part);
  const { managementGroup, keyId } = hook.subject(o.ctx);
  const home = homePaths(path.join(scratch, 'home'));
  fs.mkdirSync(home.root, { mode: 0o700 });
  const key = o.ctx.storage.getKey(keyId);
  if (!key) throw new Error(`this computer lacks the ${o.part.title}'s key ${keyId}`);
  const storage = SecureStorage.open(home.secureStorage, { create: true });
  storage.putKey(key);
  const identity = o.ctx.storage.getBackupIdentity(managementGroup.id);
  if (identity) storage.putBackupIdentity(managementGroup.id, identity);

  step('restoring into a scratch embedded database');
  fs.mkdirSync(home.databases, { recursive: true, mode: 0o700 });
  const restored = await hook.restore({
    file: o.file,
    open: o.open,
    progress: o.progress,
    storage,
    managementGroup,
    keyId,
    databasesDir: home.databases,
  });
  ev.restoreMs = restored.durationMs;

  step('counting the rows of every table against the manifest');
  const computerName = await countRows(restored.databases, ev, o.part, o.ctx.computerName);

  const urls = Object.fromEntries(restored.databases.map((d) => [d.name, d.url]));
  const parts = { [o.part.name]: hook.scratchEntry({ managementGroup, keyId, urls }) };
  writeConfig(home, { format: 2, computerName, parts } as unknown as SmgrConfig);
  step(`starting the restored ${o.part.title}`);
  const apiStarted = Date.now();
  const inst = await openInstallation(home, computerName);
  let server: ScratchServer | undefined;
  try {
    const opened = inst.part(o.part.name);
    server = await (hook.serve ?? serveAsServeDoes)(opened, inst);
    await untilAnswers(`http://${server.address}/health`, o.apiDeadlineMs ?? 120_000);
    ev.apiMs = Date.now() - apiStarted;

    step('running the doctor against it');
    const checks = await (hook.doctor ? hook.doctor(opened) : opened.doctor());
    ev.doctorOk = checks.every((c) => c.state !== 'fail');
    ev.doctor = checks.map((c) => ({ name: c.name, state: c.state }));
    if (!ev.doctorOk) {
      const failed = checks.filter((c) => c.state === 'fail').map((c) => c.name);
      ev.error = `doctor failed: ${failed.join(', ')}`;
    }
  } finally {
    await server?.stop().catch(() => {});
    await inst.close();
  }
}

/** The part started as `smgr serve` would, its logs silent. */
async function serveAsServeDoes(opened: OpenedPart, ctx: PartContext): Promise<ScratchServer> {
  const logger = pino({ level: 'silent' });
  const prepared = await opened.definition.prepareServe(opened, ctx, { logger, listen: '127.0.0.1:0' }, {});
  const running = await prepared.start();
  if (!running.address) {
    await running.stop();
    throw new Error('the restored server does not listen');
  }
  return { address: running.address, stop: () => running.stop() };
}

/**
 * Counts every table of every restored database against the manifest; answers the computer name to
 * serve the restored part as (from the first database's registrations: this computer if registered
 * there, else the workflow server, else any).
 */
async function countRows(
  databases: DrillRestoredDatabases,
  ev: ArchiveCheck,
  part: PartDefinition,
  own: string,
): Promise<string> {
  let rows = 0;
  let tables = 0;
  let name: string | undefined;
  const wrong: string[] = [];
  for (const d of databases) {
    const db = await openDatabase(d.url);
    try {
      for (const t of d.tables) {
        if (TABLES_WRITTEN_AFTER_RESTORE.includes(t.name)) continue;
        const r = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(t.name)}`);
        const n = Number(r.rows[0]?.n ?? -1);
        if (n !== t.rows) wrong.push(`${d.name}.${t.name} (${n}, manifest ${t.rows})`);
        rows += n;
      }
      tables += d.tables.length;
      if (d === databases[0]) {
        const names = await db.query<{ computer_name: string }>(
          `SELECT computer_name FROM computers WHERE part = $2
            ORDER BY computer_name = $1 DESC, role = 'workflow' DESC, computer_name LIMIT 1`,
          [own, part.name],
        );
        name = names.rows[0]?.computer_name;
      }
    } finally {
      await db.close();
    }
  }
  ev.tablesChecked = tables;
  ev.rowsChecked = rows;
  if (wrong.length > 0) throw new Error(`row counts differ from the manifest: ${wrong.join(', ')}`);
  if (!name) throw new Error(`the archive registers no ${part.title}`);
  return name;
}

type DrillRestoredDatabases = Awaited<ReturnType<PartDrill['restore']>>['databases'];

async function untilAnswers(url: string, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (r.ok) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`its API did not answer within ${deadlineMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Scratch homes of drills whose process is gone (kill -9). */
export function removeStaleScratch(): void {
  for (const n of fs.readdirSync(os.tmpdir())) {
    const m = /^smgr-drill-(\d+)-/.exec(n);
    if (m && Number(m[1]) !== process.pid && !isAlive(Number(m[1])))
      fs.rmSync(path.join(os.tmpdir(), n), { recursive: true, force: true });
  }
}

/** A short, secret-free reason. */
function reason(e: unknown): string {
  if (isSmgrError(e)) return `${e.code}: ${e.message}`;
  return (e as Error)?.message ?? String(e);
}
