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
 * It reuses the commands' domain functions (restoreKeys, restoreDatabase,
 * setupExistingDatabase, the doctor operation); it prints nothing (Progress).
 * Crash: see recovery-journal.ts — a rerun with the same inputs resumes.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ArchivePart } from '../backup/archive-format.js';
import { archiveKeys } from '../backup/archive-keys.js';
import type { Progress } from '../backup/progress.js';
import { readArchivePart } from '../backup/read-archive.js';
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
  force?: boolean;
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
  const archive = o.from ? archiveInput(o.home, path.resolve(o.from), keyBackup) : undefined;
  const input: RecoveryInput = {
    home: o.home,
    computerName,
    keyFile,
    keyBackup,
    archive,
    databaseUrl: o.databaseUrl,
    dwDatabases: o.dwDatabases,
    listen: o.listen,
    force: Boolean(o.force),
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
    archive: archive ? { file: archive.file, bytes: fileSize(archive.file) } : null,
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

function archiveInput(home: HomePaths, file: string, keyBackup: KeyBackupContent): RecoveryInput['archive'] {
  const keys = archiveKeys(home, keyBackup);
  let verified: Promise<ArchiveSnapshot> | undefined;
  let part: Promise<ArchivePart | undefined> | undefined;
  return {
    file,
    keys,
    part: () => {
      part ??= readArchivePart(file, keys).catch(() => undefined);
      return part;
    },
    snapshot: (progress) => {
      verified ??= readArchiveSnapshot(file, keys, progress);
      return verified;
    },
  };
}

function fileSize(file: string): number {
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
