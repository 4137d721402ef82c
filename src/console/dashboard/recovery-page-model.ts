/**
 * What the recovery dashboard's templates (recovery-views.ts) read: the
 * dashboard data, its chart as SVG, its events as table rows (with "not
 * available" where a figure was not recorded) and the words for codes.
 * Pure.
 */
import type { RecoveryDashboard } from './recovery-dashboard.js';
import { humanBytes, humanMs, timelineSvg } from './timeline-svg.js';

export const LIVE_INTERVAL_MS = 3000;

export interface TimelineRow {
  at: string;
  what: string;
  outcome: string;
  archive: string | null;
  size: string;
  time: string;
}

const NA = 'not available';

export function recoveryPageModel(d: RecoveryDashboard, liveMs = LIVE_INTERVAL_MS) {
  const events: TimelineRow[] = [];
  for (const b of d.timeline?.backups ?? []) {
    events.push({
      at: b.at,
      what: `scheduled backup on ${b.holder}`,
      outcome: b.outcome,
      archive: b.archive,
      size: b.sizeBytes !== null ? humanBytes(b.sizeBytes) : NA,
      time: b.durationMs !== null ? humanMs(b.durationMs) : NA,
    });
  }
  for (const x of d.timeline?.drills ?? []) {
    events.push({
      at: x.at,
      what: `restore drill on ${x.computerName}`,
      outcome: x.ok ? 'passed' : `FAILED${x.error ? `: ${x.error}` : ''}`,
      archive: x.archive,
      size: NA,
      time: x.rtoMs !== null ? `RTO ${humanMs(x.rtoMs)}` : NA,
    });
  }
  events.sort((a, b) => a.at.localeCompare(b.at));
  return {
    d,
    liveMs,
    events,
    chart: d.timeline ? timelineSvg(d.timeline) : '',
    when: (iso: string) => iso.replace('T', ' ').slice(0, 16),
    checkName: (c: string) =>
      ({ 'key-backup': 'Key backup', archive: 'Verified archive', drill: 'Restore drill' })[c] ?? c,
    keyState: (s: string) =>
      ({
        'backed-up': 'backed up',
        never: 'NEVER backed up',
        'changed-since': 'changed since its last backup',
      })[s] ?? s,
  };
}
