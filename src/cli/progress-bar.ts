/**
 * Renders ProgressEvents: a one-line bar redrawn in place on a terminal
 * (stderr), a line per finished table when stderr is not a terminal, and
 * with --json one JSON line per event on stdout (`{"type": "progress", ...}`),
 * as restic's JSON status messages; the command's result is the last line.
 */
import type { Progress, ProgressEvent } from '../backup/progress.js';
import type { Output } from './output.js';

export function progressRenderer(
  out: Output,
  stream: NodeJS.WriteStream = process.stderr,
): Progress & { end(): void } {
  if (out.json) return { report: (e) => out.event({ type: 'progress', ...e }), end: () => {} };
  const tty = Boolean(stream.isTTY);
  let lastDraw = 0;
  let drawn = false;
  return {
    report(e: ProgressEvent) {
      if (e.phase === 'step' || e.phase === 'warning') {
        if (drawn) stream.write('\n');
        drawn = false;
        stream.write(`${e.phase === 'warning' ? 'warning: ' : ''}${e.message}\n`);
        return;
      }
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
