/**
 * Timing of the workflow lease on this computer, from config.json (the
 * management server's entry, `parts["management-server"]`) and the environment (which wins,
 * so tests and operators can shorten it without editing the file):
 *
 *   workflowLeaseSeconds          SMGR_LEASE_SECONDS          default 30
 *   workflowLeaseRenewSeconds     SMGR_LEASE_RENEW_SECONDS    default 10 (must be below the lease)
 *   workflowFailover              SMGR_WORKFLOW_FAILOVER      "manual" (default) or "automatic"
 *   workflowFailoverGraceSeconds  SMGR_FAILOVER_GRACE_SECONDS default 30
 *
 * These only say how long a lease is granted and how often it is renewed;
 * whether a lease is live is always decided by the database clock.
 */
import { SmgrError } from '../errors/smgr-error.js';

export type FailoverMode = 'manual' | 'automatic';

export interface LeaseSettings {
  leaseMs: number;
  renewMs: number;
  failover: FailoverMode;
  graceMs: number;
  /** A fenced transaction left idle this long is ended by the database (a paused holder). */
  fenceIdleMs: number;
  /** How long a change of the lease waits for fenced transactions in flight. */
  lockTimeoutMs: number;
}

export const DEFAULT_LEASE_SECONDS = 30;
export const DEFAULT_RENEW_SECONDS = 10;
export const DEFAULT_GRACE_SECONDS = 30;

/** The management server's config entry, or part of it (the checks here hold for a hand-made one too). */
export type SettingsSource = Readonly<Record<string, unknown>> | undefined;

export function leaseSettings(
  config: SettingsSource,
  configPath = 'config.json',
  env: NodeJS.ProcessEnv = process.env,
): LeaseSettings {
  const src = config ?? {};
  const seconds = (key: string, envName: string, dflt: number): number => {
    const fromEnv = env[envName];
    if (fromEnv !== undefined && fromEnv !== '') {
      const n = Number(fromEnv);
      if (!Number.isFinite(n) || n <= 0) {
        throw new SmgrError('USAGE', { detail: `${envName} must be a number of seconds above 0` });
      }
      return n;
    }
    const v = src[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new SmgrError('CONFIG_INVALID', { path: configPath, reason: `${key} must be a number above 0` });
    }
    return v;
  };
  const leaseS = seconds('workflowLeaseSeconds', 'SMGR_LEASE_SECONDS', DEFAULT_LEASE_SECONDS);
  const renewS = seconds(
    'workflowLeaseRenewSeconds',
    'SMGR_LEASE_RENEW_SECONDS',
    Math.min(DEFAULT_RENEW_SECONDS, leaseS / 3),
  );
  if (renewS >= leaseS) {
    throw new SmgrError('CONFIG_INVALID', {
      path: configPath,
      reason: `the lease renew interval (${renewS} s) must be shorter than the lease (${leaseS} s)`,
    });
  }
  const graceS = seconds(
    'workflowFailoverGraceSeconds',
    'SMGR_FAILOVER_GRACE_SECONDS',
    DEFAULT_GRACE_SECONDS,
  );
  const mode = env.SMGR_WORKFLOW_FAILOVER || src.workflowFailover || 'manual';
  if (mode !== 'manual' && mode !== 'automatic') {
    throw new SmgrError('CONFIG_INVALID', {
      path: configPath,
      reason: 'workflowFailover must be "manual" or "automatic"',
    });
  }
  const leaseMs = Math.round(leaseS * 1000);
  const fenceIdleMs = Math.max(200, Math.min(5000, Math.round(leaseMs / 2)));
  return {
    leaseMs,
    renewMs: Math.round(renewS * 1000),
    failover: mode,
    graceMs: Math.round(graceS * 1000),
    fenceIdleMs,
    lockTimeoutMs: 2 * fenceIdleMs + 2000,
  };
}
