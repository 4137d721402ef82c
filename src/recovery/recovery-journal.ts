/**
 * The journal of `smgr recover` (docs/RECOVERY.md §4a): `<home>/recover-journal.json`,
 * 0600, the first thing a recovery writes (after every preflight check
 * passed) and replaced atomically (src/files/atomic-write.ts) on each
 * change: the inputs, and each step begun and done. Ids, names and paths
 * only, never a key or a passphrase.
 *
 * Crash: the old journal or the new one. A step marked begun but not done
 * was interrupted somewhere in it, and runs again (every step is safe to run
 * twice); a step marked done is skipped.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { HomePaths } from '../computer/home.js';
import { SmgrError } from '../errors/smgr-error.js';
import { writeFileAtomic } from '../files/atomic-write.js';

export const JOURNAL_FORMAT = 'smgr-recover-journal';

export interface RecoveryInputs {
  managementGroup: { id: string; name: string };
  computerName: string;
  keyIds: string[];
  archive: { file: string; bytes: number } | null;
  databases: string[];
}

export interface JournalDocument {
  format: typeof JOURNAL_FORMAT;
  version: 1;
  id: string;
  startedAt: string;
  inputs: RecoveryInputs;
  steps: Record<string, { begunAt: string; doneAt?: string; outcome?: string }>;
  finishedAt: string | null;
}

export function journalPath(home: HomePaths): string {
  return path.join(home.root, 'recover-journal.json');
}

/** The journal in this home, if any (read-only). */
export function readJournal(home: HomePaths): JournalDocument | undefined {
  const file = journalPath(home);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SmgrError('FILE_UNREADABLE', {
      path: file,
      reason: (e as NodeJS.ErrnoException).code ?? 'error',
    });
  }
  let doc: JournalDocument;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new SmgrError('FILE_UNREADABLE', { path: file, reason: 'it is not JSON' });
  }
  if (doc?.format !== JOURNAL_FORMAT || doc.version !== 1 || typeof doc.steps !== 'object') {
    throw new SmgrError('FILE_UNREADABLE', {
      path: file,
      reason: 'it is not a recover journal of version 1',
    });
  }
  return doc;
}

/** Refuses a journal whose inputs are not these (another recovery was interrupted in this home). */
export function checkJournalInputs(home: HomePaths, doc: JournalDocument, inputs: RecoveryInputs): void {
  const differs = (Object.keys(inputs) as Array<keyof RecoveryInputs>).filter(
    (k) => JSON.stringify(doc.inputs[k]) !== JSON.stringify(inputs[k]),
  );
  if (differs.length > 0) {
    throw new SmgrError('RECOVER_JOURNAL_MISMATCH', { what: differs.join(', '), path: journalPath(home) });
  }
}

export class RecoveryJournal {
  private constructor(
    private readonly file: string,
    readonly doc: JournalDocument,
  ) {}

  /** The journal to continue, or a new one (written at once: the recovery's first write). */
  static open(home: HomePaths, inputs: RecoveryInputs, existing?: JournalDocument): RecoveryJournal {
    fs.mkdirSync(home.root, { recursive: true, mode: 0o700 });
    const doc: JournalDocument = existing ?? {
      format: JOURNAL_FORMAT,
      version: 1,
      id: randomUUID(),
      startedAt: new Date().toISOString(),
      inputs,
      steps: {},
      finishedAt: null,
    };
    const j = new RecoveryJournal(journalPath(home), doc);
    if (!existing) j.save();
    return j;
  }

  isDone(step: string): boolean {
    return this.doc.steps[step]?.doneAt !== undefined;
  }

  wasBegun(step: string): boolean {
    return this.doc.steps[step] !== undefined;
  }

  begin(step: string): void {
    this.doc.steps[step] = { begunAt: new Date().toISOString() };
    this.save();
  }

  done(step: string, outcome: string): void {
    const s = this.doc.steps[step] ?? { begunAt: new Date().toISOString() };
    this.doc.steps[step] = { ...s, doneAt: new Date().toISOString(), outcome };
    this.save();
  }

  finish(): void {
    this.doc.finishedAt = new Date().toISOString();
    this.save();
  }

  private save(): void {
    writeFileAtomic(this.file, `${JSON.stringify(this.doc, null, 2)}\n`, { mode: 0o600 });
  }
}
