/**
 * Settings of the workflows, from `parts["management-server"].workflows` in
 * config.json. Every key is optional:
 *
 *   grooming: { intervalSeconds: 3600, retentionDays: 90, batchSize: 500 }
 *   sla:      { intervalSeconds: 60, batchSize: 500,
 *               resolveWithinHours: { "1": 4, "2": 8, "3": 24, "4": 72 } }
 *   outbox:   { intervalSeconds: 10, batchSize: 100 }
 *
 * SMGR_WORKFLOW_INTERVAL_SECONDS overrides every interval (tests, drills).
 * Only the workflow server's settings matter; keep them the same on every
 * server that may be promoted.
 */
import { SmgrError } from '../../errors/smgr-error.js';
import type { SettingsSource } from '../../management-group/lease-settings.js';

export interface WorkflowSettings {
  /** How often the scheduler looks for due workflows. */
  tickMs: number;
  grooming: { intervalMs: number; retentionDays: number; batchSize: number };
  sla: { intervalMs: number; batchSize: number; resolveWithinHours: Record<1 | 2 | 3 | 4, number> };
  outbox: { intervalMs: number; batchSize: number };
}

export const DEFAULT_SLA_HOURS: Record<1 | 2 | 3 | 4, number> = { 1: 4, 2: 8, 3: 24, 4: 72 };

export function workflowSettings(
  config: SettingsSource,
  configPath = 'config.json',
  env: NodeJS.ProcessEnv = process.env,
): WorkflowSettings {
  const root = config?.workflows ?? {};
  const bad = (reason: string) => new SmgrError('CONFIG_INVALID', { path: configPath, reason });
  if (typeof root !== 'object' || root === null) throw bad('workflows must be an object');
  const section = (name: string): Record<string, unknown> => {
    const s = (root as Record<string, unknown>)[name] ?? {};
    if (typeof s !== 'object' || s === null) throw bad(`workflows.${name} must be an object`);
    return s as Record<string, unknown>;
  };
  const positive = (
    s: Record<string, unknown>,
    where: string,
    key: string,
    dflt: number,
    integer = false,
  ) => {
    const v = s[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
      throw bad(`workflows.${where}.${key} must be a ${integer ? 'whole ' : ''}number above 0`);
    }
    return v;
  };
  const override = env.SMGR_WORKFLOW_INTERVAL_SECONDS
    ? Number(env.SMGR_WORKFLOW_INTERVAL_SECONDS)
    : undefined;
  if (override !== undefined && !(Number.isFinite(override) && override > 0)) {
    throw new SmgrError('USAGE', {
      detail: 'SMGR_WORKFLOW_INTERVAL_SECONDS must be a number of seconds above 0',
    });
  }
  const interval = (s: Record<string, unknown>, where: string, dflt: number) =>
    Math.round((override ?? positive(s, where, 'intervalSeconds', dflt)) * 1000);

  const g = section('grooming');
  const l = section('sla');
  const o = section('outbox');
  const hoursIn = l.resolveWithinHours ?? {};
  if (typeof hoursIn !== 'object' || hoursIn === null)
    throw bad('workflows.sla.resolveWithinHours must be an object');
  const hours = { ...DEFAULT_SLA_HOURS };
  for (const [k, v] of Object.entries(hoursIn)) {
    if (!['1', '2', '3', '4'].includes(k))
      throw bad(`workflows.sla.resolveWithinHours has no priority ${k} (1-4)`);
    hours[Number(k) as 1 | 2 | 3 | 4] = positive({ [k]: v }, 'sla.resolveWithinHours', k, 0);
  }
  const settings: WorkflowSettings = {
    tickMs: 1000,
    grooming: {
      intervalMs: interval(g, 'grooming', 3600),
      retentionDays: positive(g, 'grooming', 'retentionDays', 90),
      batchSize: positive(g, 'grooming', 'batchSize', 500, true),
    },
    sla: {
      intervalMs: interval(l, 'sla', 60),
      batchSize: positive(l, 'sla', 'batchSize', 500, true),
      resolveWithinHours: hours,
    },
    outbox: {
      intervalMs: interval(o, 'outbox', 10),
      batchSize: positive(o, 'outbox', 'batchSize', 100, true),
    },
  };
  const shortest = Math.min(
    settings.grooming.intervalMs,
    settings.sla.intervalMs,
    settings.outbox.intervalMs,
  );
  settings.tickMs = Math.max(50, Math.min(1000, Math.round(shortest / 2)));
  return settings;
}
