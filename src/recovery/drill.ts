/**
 * A restore drill (issue 13 item 4): proof, gathered by smgr itself, that an
 * archive restores and serves. Into a scratch home under the temporary
 * directory (`smgr-drill-<pid>-*`): the group key and the backup identity
 * copied from this computer's secure storage (nothing else), the archive
 * restored into an embedded database (every count and hash checked), each
 * table's rows counted again against the manifest, the management server
 * started on 127.0.0.1 port 0 as `smgr serve` would, the time until its API
 * answered measured, the doctor run against it, then everything stopped and
 * the scratch home deleted. Answers the evidence (archive-checks.ts); the
 * caller records it. Never throws for a failing drill: the evidence says
 * why.
 *
 * It writes nothing outside the scratch home except the archive's
 * `.reading-<pid>` marker (archive-use.ts), so prune leaves the archive
 * alone meanwhile. An archive in an S3 bucket is streamed from it (no local
 * copy, no marker). Crash: a scratch home left behind, removed by the next
 * drill (its pid is dead).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { keksOfStorage } from '../backup/archive-keys.js';
import { useArchive } from '../backup/archive-use.js';
import type { Progress } from '../backup/progress.js';
import type { ReadArchiveOptions } from '../backup/read-archive.js';
import { restoreDatabase } from '../backup/restore-database.js';
import { TABLES_WRITTEN_AFTER_RESTORE } from '../backup/restore-schema.js';
import { homePaths } from '../computer/home.js';
import { writeConfig } from '../config/config-file.js';
import { quoteIdent } from '../db/database.js';
import { openDatabase } from '../db/open-database.js';
import { isSmgrError } from '../errors/smgr-error.js';
import { isAlive } from '../files/file-lock.js';
import { openInstallation } from '../parts/installation.js';
import type { RunningPart } from '../parts/part.js';
import { SecureStorage } from '../secure-storage/secure-storage.js';
import type { ArchiveCheck } from './archive-checks.js';
import { doctorReport } from './doctor-report.js';

export interface DrillOptions {
  /** The archive (.smbak) to drill: a path, or an s3:// URL read from the bucket (with `open`). */
  file: string;
  /** s3-stream: opens the archive's bytes when `file` is not local (src/backup/archive-source.ts). */
  open?: ReadArchiveOptions['open'];
  /** The restore's progress (tables, rows; bytes downloaded from a bucket). */
  progress?: Progress;
  archiveCreatedAt: string;
  managementGroup: { id: string; name: string };
  /** The group key to copy into the scratch home. */
  keyId: string;
  storage: SecureStorage;
  computerName: string;
  /** How long the scratch server may take to answer (default 120 s). */
  apiDeadlineMs?: number;
  /** Told each stage, in words (progress). */
  step?(message: string): void;
}

const PREFIX = 'smgr-drill-';

export async function runDrill(o: DrillOptions): Promise<ArchiveCheck> {
  const startedAt = new Date().toISOString();
  const evidence: ArchiveCheck = {
    kind: 'drill',
    archive: path.basename(o.file),
    archiveCreatedAt: o.archiveCreatedAt,
    computerName: o.computerName,
    startedAt,
    ok: false,
  };
  removeStaleScratch();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}${process.pid}-`));
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

async function drillInto(scratch: string, o: DrillOptions, ev: ArchiveCheck): Promise<void> {
  const step = o.step ?? (() => {});
  const home = homePaths(path.join(scratch, 'home'));
  fs.mkdirSync(home.root, { mode: 0o700 });
  const key = o.storage.getKey(o.keyId);
  const identity = o.storage.getBackupIdentity(o.managementGroup.id);
  if (!key || !identity) throw new Error(`this computer lacks the ${key ? 'backup identity' : 'group key'}`);
  const storage = SecureStorage.open(home.secureStorage, { create: true });
  storage.putKey(key);
  storage.putBackupIdentity(o.managementGroup.id, identity);

  step('restoring into a scratch embedded database');
  const url = `pglite:${path.join(home.databases, 'ServiceManager')}`;
  const restored = await restoreDatabase({
    file: o.file,
    open: o.open,
    progress: o.progress,
    targetUrl: url,
    identities: [identity],
    keks: keksOfStorage(storage),
    expectedGroup: o.managementGroup,
    jobs: 1,
  });
  ev.restoreMs = restored.durationMs;

  step('counting the rows of every table against the manifest');
  const computerName = await countRows(url, restored.tables, o.computerName, ev);

  writeConfig(home, {
    format: 2,
    computerName,
    parts: {
      'management-server': {
        managementGroup: o.managementGroup,
        database: url,
        keyId: o.keyId,
        listen: '127.0.0.1:0',
      },
    },
  });
  step('starting the restored management server');
  const apiStarted = Date.now();
  const inst = await openInstallation(home, computerName);
  const running: RunningPart[] = [];
  try {
    const logger = pino({ level: 'silent' });
    for (const part of inst.parts) {
      const prepared = await part.definition.prepareServe(
        part,
        inst,
        { logger, listen: '127.0.0.1:0' },
        inst.hooks,
      );
      running.push(await prepared.start());
    }
    const address = running.find((r) => r.address)?.address;
    if (!address) throw new Error('the restored server does not listen');
    await untilAnswers(`http://${address}/health`, o.apiDeadlineMs ?? 120_000);
    ev.apiMs = Date.now() - apiStarted;

    step('running the doctor against it');
    const report = await doctorReport(inst);
    ev.doctorOk = report.ok;
    ev.doctor = report.checks.map((c) => ({ name: c.name, state: c.state }));
    if (!report.ok) {
      const failed = report.checks.filter((c) => c.state === 'fail').map((c) => c.name);
      ev.error = `doctor failed: ${failed.join(', ')}`;
    }
  } finally {
    for (const r of running.reverse()) await r.stop().catch(() => {});
    await inst.close();
  }
}

/** Counts every table of the restored database; answers the computer name to serve it as. */
async function countRows(
  url: string,
  tables: ReadonlyArray<{ name: string; rows: number }>,
  own: string,
  ev: ArchiveCheck,
): Promise<string> {
  const db = await openDatabase(url);
  try {
    let rows = 0;
    const wrong: string[] = [];
    for (const t of tables) {
      if (TABLES_WRITTEN_AFTER_RESTORE.includes(t.name)) continue;
      const r = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(t.name)}`);
      const n = Number(r.rows[0]?.n ?? -1);
      if (n !== t.rows) wrong.push(`${t.name} (${n}, manifest ${t.rows})`);
      rows += n;
    }
    ev.tablesChecked = tables.length;
    ev.rowsChecked = rows;
    if (wrong.length > 0) throw new Error(`row counts differ from the manifest: ${wrong.join(', ')}`);
    const names = await db.query<{ computer_name: string }>(
      `SELECT computer_name FROM computers WHERE part = 'management-server'
        ORDER BY computer_name = $1 DESC, role = 'workflow' DESC, computer_name LIMIT 1`,
      [own],
    );
    const name = names.rows[0]?.computer_name;
    if (!name) throw new Error('the archive registers no management server');
    return name;
  } finally {
    await db.close();
  }
}

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
function removeStaleScratch(): void {
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
