/**
 * `smgr recover` (docs/RECOVERY.md §4a, ARCHITECTURE §5): the recovery of
 * the parts of one computer from a key backup file, and an archive when the
 * databases are lost too. In three phases:
 *
 *  prepare: opens the key backup file with the passphrase, reads the home
 *    and the journal of an interrupted run, and asks every part for its
 *    steps (src/parts/part.ts `recoveryPlan`); the plan is the common `keys`
 *    step, the parts' steps, and the common `doctor` step. Writes nothing.
 *  preflight: every check (the parts' too) before anything is written.
 *  execute: the journal first, then each step marked begun, run, marked
 *    done; steps done by an interrupted run are skipped, doctor always runs.
 *
 * --from is a local archive or (s3-recover) an `s3://BUCKET/KEY.smbak` read
 * straight from the bucket, streamed (no local copy), with a reader mark
 * beside it while read (docs/FORMAT.md §5); a missing object, a refusal of
 * the credentials (the SDK's standard chain) or another group's archive
 * fails the preflight before anything is written.
 *
 * It reuses the commands' domain functions (restoreKeys, restoreDatabase,
 * setupExistingDatabase, the doctor operation); it prints nothing (Progress).
 * Crash: see recovery-journal.ts — a rerun with the same inputs resumes.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ArchivePart } from '../backup/archive-format.js';
import { archiveKeys } from '../backup/archive-keys.js';
import { archiveSource, s3ArchiveSize } from '../backup/archive-source.js';
import type { Progress } from '../backup/progress.js';
import { readArchivePart } from '../backup/read-archive.js';
import { isS3Url, type S3Settings, s3Client, s3EndpointOf } from '../backup/s3-target.js';
import { resolveComputerName } from '../computer/computer-name.js';
import type { HomePaths } from '../computer/home.js';
import { readConfig } from '../config/config-file.js';
import { isSmgrError, SmgrError } from '../errors/smgr-error.js';
import { type KeyBackupContent, readKeyBackup } from '../keys/key-backup-file.js';
import { restoreKeys } from '../keys/restore-keys.js';
import { openInstallation } from '../parts/installation.js';
import { partDefinitions } from '../parts/registry.js';
import { SecureStorage } from '../secure-storage/secure-storage.js';
import { type ArchiveSnapshot, readArchiveSnapshot } from './archive-snapshot.js';
import { type DoctorReport, doctorReport } from './doctor-report.js';
import {
  checkJournalInputs,
  journalPath,
  type RecoveryInputs,
  RecoveryJournal,
  readJournal,
} from './recovery-journal.js';
import type { PartRecoveryPlan, PreflightCheck, RecoveryInput, RecoveryStep } from './recovery-plan.js';

export interface RecoverOptions {
  home: HomePaths;
  computerNameFlag?: string;
  keyFile: string;
  passphrase: string;
  from?: string;
  databaseUrl?: string;
  dwDatabases?: RecoveryInput['dwDatabases'];
  listen?: string;
  /** --management-server: the API a recovered portal calls. */
  managementServer?: string;
  force?: boolean;
  wait?: boolean;
  /** s3-recover: the endpoint of an S3-compatible service for an s3:// --from (config backups.s3). */
  s3?: S3Settings;
}

export interface PlanView {
  computerName: string;
  managementGroup: { id: string; name: string };
  keyFile: string;
  archive: string | null;
  journal: string;
  resumed: boolean;
  steps: Array<{
    id: string;
    title: string;
    reads: string[];
    writes: string[];
    state: 'to do' | 'done' | 'again';
  }>;
}

export interface RecoveryResult {
  computerName: string;
  managementGroup: { id: string; name: string };
  journal: string;
  resumed: boolean;
  steps: Array<{ id: string; outcome: string; skipped: boolean }>;
  doctor: DoctorReport;
  durationMs: number;
}

export interface PreparedRecovery {
  plan: PlanView;
  /** Every check, read-only; the first failure's error is what a run stops with. */
  preflight(progress: Progress): Promise<PreflightCheck[]>;
  execute(progress: Progress): Promise<RecoveryResult>;
}

const KEYS = 'keys';
const DOCTOR = 'doctor';

export async function prepareRecovery(o: RecoverOptions): Promise<PreparedRecovery> {
  const keyFile = path.resolve(o.keyFile);
  const keyBackup = await readKeyBackup(keyFile, o.passphrase);
  const config = readConfig(o.home);
  const computerName = resolveComputerName(
    o.computerNameFlag ?? process.env.SMGR_COMPUTER_NAME ?? keyBackup.computerName,
    config?.computerName,
  );
  const existing = readJournal(o.home);
  const begun = new Set(Object.keys(existing?.steps ?? {}));
  const done = new Set(Object.entries(existing?.steps ?? {}).flatMap(([id, s]) => (s.doneAt ? [id] : [])));
  const archive = o.from ? archiveInput(o.home, o.from, keyBackup, o.s3) : undefined;
  const input: RecoveryInput = {
    home: o.home,
    computerName,
    keyFile,
    keyBackup,
    archive,
    databaseUrl: o.databaseUrl,
    dwDatabases: o.dwDatabases,
    listen: o.listen,
    managementServer: o.managementServer,
    force: Boolean(o.force),
    wait: Boolean(o.wait),
    begun,
    done,
  };
  const parts: PartRecoveryPlan[] = [];
  for (const d of partDefinitions) {
    const p = await d.recoveryPlan?.(input);
    if (p) parts.push(p);
  }
  if (parts.length === 0) throw new SmgrError('RECOVER_NO_PART', { path: keyFile });

  const inputs: RecoveryInputs = {
    managementGroup: keyBackup.managementGroup,
    computerName,
    keyIds: keyBackup.keys.map((k) => k.keyId),
    archive: archive ? { file: archive.file, bytes: await archiveSize(archive.file, o.s3) } : null,
    databases: parts.flatMap((p) => p.databases),
  };
  if (existing) checkJournalInputs(o.home, existing, inputs);

  const doctor: { report?: DoctorReport } = {};
  const steps: RecoveryStep[] = [
    keysStep(input),
    ...parts.flatMap((p) => p.steps),
    doctorStep(input, doctor),
  ];
  const plan: PlanView = {
    computerName,
    managementGroup: keyBackup.managementGroup,
    keyFile,
    archive: archive?.file ?? null,
    journal: journalPath(o.home),
    resumed: existing !== undefined,
    steps: steps.map((s) => ({
      id: s.id,
      title: s.title,
      reads: s.reads,
      writes: s.writes,
      state: s.id !== DOCTOR && done.has(s.id) ? 'done' : begun.has(s.id) ? 'again' : 'to do',
    })),
  };

  return {
    plan,
    async preflight(progress) {
      const checks: PreflightCheck[] = [
        {
          name: 'key backup file',
          ok: true,
          detail: `${keyFile} opens with the passphrase: management group "${keyBackup.managementGroup.name}", keys ${inputs.keyIds.join(', ')}, made on ${keyBackup.computerName} at ${keyBackup.createdAt}`,
        },
      ];
      if (!done.has(KEYS)) checks.push(secureStorageCheck(o.home, keyBackup));
      for (const p of parts) checks.push(...(await p.preflight(progress)));
      return checks;
    },
    async execute(progress) {
      const started = Date.now();
      const journal = RecoveryJournal.open(o.home, inputs, existing);
      const results: RecoveryResult['steps'] = [];
      for (const [i, step] of steps.entries()) {
        const at = { id: step.id, index: i + 1, total: steps.length };
        if (step.id !== DOCTOR && journal.isDone(step.id)) {
          const outcome = journal.doc.steps[step.id]?.outcome ?? 'done';
          report(
            progress,
            `step ${at.index}/${at.total} ${step.id}: done by the interrupted run (${outcome})`,
            {
              ...at,
              state: 'skipped',
            },
          );
          results.push({ id: step.id, outcome, skipped: true });
          continue;
        }
        const begunBefore = journal.wasBegun(step.id);
        journal.begin(step.id);
        report(progress, `step ${at.index}/${at.total} ${step.id}: ${step.title}`, { ...at, state: 'begun' });
        const outcome = await step.run({ progress, begunBefore, recoveryId: journal.doc.id });
        journal.done(step.id, outcome);
        report(progress, `step ${at.index}/${at.total} ${step.id} done: ${outcome}`, {
          ...at,
          state: 'done',
        });
        results.push({ id: step.id, outcome, skipped: false });
      }
      if (!journal.doc.finishedAt) journal.finish();
      return {
        computerName,
        managementGroup: keyBackup.managementGroup,
        journal: journalPath(o.home),
        resumed: existing !== undefined,
        steps: results,
        doctor: doctor.report!,
        durationMs: Date.now() - started,
      };
    },
  };
}

function report(
  progress: Progress,
  message: string,
  recoveryStep: NonNullable<Parameters<Progress['report']>[0]['recoveryStep']>,
): void {
  progress.report({ phase: 'step', message, tablesDone: 0, tablesTotal: 0, recoveryStep });
}

/**
 * --from: a path, or (s3-recover) an s3:// URL streamed from the bucket, each read with its
 * reader mark (FORMAT §5). The archive is read up to three times, each time streamed and never
 * copied: its header (which part's it is), whole in preflight, whole again by the restore step.
 */
function archiveInput(
  home: HomePaths,
  from: string,
  keyBackup: KeyBackupContent,
  s3?: S3Settings,
): RecoveryInput['archive'] {
  const keys = archiveKeys(home, keyBackup);
  const file = archiveSource(from, s3).file;
  const reader = (progress?: Progress) => ({ ...keys, open: archiveSource(from, s3, progress).open });
  let verified: Promise<ArchiveSnapshot> | undefined;
  let part: Promise<ArchivePart | undefined> | undefined;
  return {
    file,
    keys,
    remote: isS3Url(from),
    reader,
    part: () => {
      part ??= readArchivePart(file, reader()).catch(() => undefined);
      return part;
    },
    snapshot: (progress) => {
      verified ??= readArchiveSnapshot(file, reader(progress), progress);
      return verified;
    },
  };
}

/** The archive's size for the journal: a local file's, or (HEAD) a bucket object's; else a registry error. */
async function archiveSize(file: string, s3?: S3Settings): Promise<number> {
  if (isS3Url(file)) return s3ArchiveSize(s3Client(s3), file, s3EndpointOf(s3));
  try {
    return fs.statSync(file).size;
  } catch (e) {
    throw new SmgrError('FILE_UNREADABLE', {
      path: file,
      reason: (e as NodeJS.ErrnoException).code ?? 'error',
    });
  }
}

/** Key restore's own rule, checked before anything is written: no other key of the same part is held here. */
function secureStorageCheck(home: HomePaths, content: KeyBackupContent): PreflightCheck {
  const name = 'secure storage';
  if (!SecureStorage.exists(home.secureStorage)) {
    return { name, ok: true, detail: `${home.secureStorage} is absent: the key restore creates it` };
  }
  try {
    const held = SecureStorage.open(home.secureStorage).listKeys();
    for (const key of content.keys) {
      if (held.some((h) => h.keyId === key.keyId && h.kek.equals(key.kek))) continue;
      const clash = held.find((h) => h.keyId === key.keyId || h.part === key.part);
      if (clash) {
        throw new SmgrError('KEY_RESTORE_CONFLICT', {
          path: home.secureStorage,
          held: clash.keyId,
          part: key.part,
          keyId: key.keyId,
        });
      }
    }
    return { name, ok: true, detail: `${home.secureStorage} holds no other key of the file's parts` };
  } catch (e) {
    if (!isSmgrError(e)) throw e;
    return { name, ok: false, detail: e.message, error: e };
  }
}

function keysStep(input: RecoveryInput): RecoveryStep {
  return {
    id: KEYS,
    title: `restore the keys of the key backup file into secure storage`,
    reads: [input.keyFile],
    writes: [
      `secure storage (${input.home.secureStorage}): ${input.keyBackup.keys.map((k) => k.keyId).join(', ')} and the backup identity`,
    ],
    async run() {
      const storage = SecureStorage.open(input.home.secureStorage, { create: true });
      const r = restoreKeys({ storage, content: input.keyBackup });
      const said = [
        r.restored.length ? `restored ${r.restored.join(', ')}` : '',
        r.unchanged.length ? `already here ${r.unchanged.join(', ')}` : '',
      ];
      return said.filter(Boolean).join('; ');
    },
  };
}

function doctorStep(input: RecoveryInput, out: { report?: DoctorReport }): RecoveryStep {
  return {
    id: DOCTOR,
    title: 'check the recovered computer (smgr doctor)',
    reads: ['config.json, secure storage and every database of the recovered parts'],
    writes: [],
    async run() {
      const inst = await openInstallation(input.home, input.computerName);
      try {
        out.report = await doctorReport(inst);
      } finally {
        await inst.close();
      }
      const count = (s: string) => out.report!.checks.filter((c) => c.state === s).length;
      return `${count('pass')} passed, ${count('warn')} warnings, ${count('fail')} failed`;
    },
  };
}
