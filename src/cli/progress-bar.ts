/**
 * Renders ProgressEvents: a one-line bar redrawn in place on a terminal
 * (stderr), a line per finished table when stderr is not a terminal, and
 * nothing with --json (the command prints one summary at the end).
 */
import type { Progress, ProgressEvent } from '../backup/progress.js';

export function progressRenderer(
  json: boolean,
  stream: NodeJS.WriteStream = process.stderr,
): Progress & { end(): void } {
  if (json) return { report: () => {}, end: () => {} };
  const tty = Boolean(stream.isTTY);
  let lastDraw = 0;
  let drawn = false;
  return {
    report(e: ProgressEvent) {
      if (!tty) {
        if (e.tableDone) stream.write(`${describe(e)}\n`);
        return;
      }
      const now = Date.now();
      if (now - lastDraw < 100 && !e.tableDone) return;
      lastDraw = now;
      const width = 24;
      const fraction = e.tablesTotal
        ? (e.tablesDone + (e.tableDone ? 0 : tableFraction(e))) / e.tablesTotal
        : 0;
      const filled = Math.min(width, Math.round(fraction * width));
      stream.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${describe(e)}`);
      drawn = true;
    },
    end() {
      if (drawn) stream.write('\n');
    },
  };
}

function tableFraction(e: ProgressEvent): number {
  if (!e.estimatedRows || !e.rows) return 0;
  return Math.min(0.99, e.rows / e.estimatedRows);
}

function describe(e: ProgressEvent): string {
  const rows = (e.rows ?? 0).toLocaleString('en-US');
  const mb = ((e.bytes ?? 0) / 1e6).toFixed(1);
  return `${e.tablesDone}/${e.tablesTotal} tables  ${e.database}.${e.table}: ${rows} rows, ${mb} MB`;
}
