/**
 * How long operations report progress (ARCHITECTURE §6): the domain calls
 * report(); the CLI renders a progress bar on a terminal, or JSON lines, or
 * nothing. Events carry names and counts only.
 */
export interface ProgressEvent {
  /** `step`: a stage of the work, said in `message` (e.g. building indexes); `warning`: something the user must know. */
  phase: 'start' | 'table' | 'step' | 'warning' | 'done';
  /** The words of a `step` or `warning` event (names and counts only, never data or keys). */
  message?: string;
  database?: string;
  table?: string;
  /** Rows and uncompressed bytes of the current table so far. */
  rows?: number;
  bytes?: number;
  /** Estimated rows of the current table (0 when unknown). */
  estimatedRows?: number;
  /** True on the last event of a table (its final counts). */
  tableDone?: boolean;
  tablesDone: number;
  tablesTotal: number;
  /** Bytes written to (or read from) the archive file so far. */
  archiveBytes?: number;
  /** smgr recover: the step a `step` event starts, ends or skips (docs/RECOVERY.md §4a). */
  recoveryStep?: { id: string; index: number; total: number; state: 'begun' | 'done' | 'skipped' };
}

export interface Progress {
  report(event: ProgressEvent): void;
}

export const silentProgress: Progress = { report: () => {} };

/** Reports a stage of the work in words. */
export function reportStep(progress: Progress | undefined, message: string, tablesTotal = 0): void {
  progress?.report({ phase: 'step', message, tablesDone: 0, tablesTotal });
}
