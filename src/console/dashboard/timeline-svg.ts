/**
 * The dashboard's timeline (backup-timeline.ts) drawn with the shared SVG
 * charts (src/web/svg-chart.ts, timelineChart): three lanes over the last
 * 30 days — scheduled backups by archive size, by duration, and restore
 * drills by measured recovery time (a failed backup or drill is a cross).
 * A backup whose size was not recorded sits on the base line.
 */
import { timelineChart } from '../../web/svg-chart.js';
import type { BackupTimeline } from './backup-timeline.js';

export const humanBytes = (b: number): string =>
  b >= 1024 ** 3
    ? `${(b / 1024 ** 3).toFixed(1)} GiB`
    : b >= 1024 ** 2
      ? `${(b / 1024 ** 2).toFixed(1)} MiB`
      : b >= 1024
        ? `${(b / 1024).toFixed(1)} KiB`
        : `${b} B`;

export const humanMs = (ms: number): string =>
  ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`;

const when = (iso: string) => iso.replace('T', ' ').slice(0, 16);

export function timelineSvg(t: BackupTimeline): string {
  const backups = t.backups.filter((b) => b.outcome !== 'running');
  return timelineChart({
    id: 'recovery-timeline',
    title: `Backups and drills, last ${t.days} days`,
    from: Date.parse(t.from),
    to: Date.parse(t.to),
    lanes: [
      {
        name: 'Backup size',
        format: humanBytes,
        events: backups.map((b) => ({
          at: Date.parse(b.at),
          value: b.sizeBytes,
          state: b.outcome === 'ok' ? 'ok' : 'fail',
          label: `Backup ${when(b.at)} ${b.outcome}${b.sizeBytes !== null ? `, ${humanBytes(b.sizeBytes)}` : ', size not recorded'}`,
        })),
      },
      {
        name: 'Backup duration',
        format: humanMs,
        events: backups.map((b) => ({
          at: Date.parse(b.at),
          value: b.durationMs,
          state: b.outcome === 'ok' ? 'ok' : 'fail',
          label: `Backup ${when(b.at)} ${b.outcome}${b.durationMs !== null ? `, took ${humanMs(b.durationMs)}` : ''}`,
        })),
      },
      {
        name: 'Drill RTO',
        format: humanMs,
        events: t.drills.map((d) => ({
          at: Date.parse(d.at),
          value: d.rtoMs,
          state: d.ok ? 'ok' : 'fail',
          label: `Drill ${when(d.at)} ${d.ok ? 'passed' : 'FAILED'}${d.rtoMs !== null ? `, RTO ${humanMs(d.rtoMs)}` : ''}`,
        })),
      },
    ],
  });
}
