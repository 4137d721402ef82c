/**
 * What the HTTP API needs from the running server: the database, the sealer
 * for the management group's data key (already verified against the key
 * record by serve), a logger, who this server is (for /health), and any
 * limits other than the defaults.
 */
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import type { SecretSealer } from '../keys/secret-sealer.js';
import type { LeaseSettings } from '../management-group/lease-settings.js';
import type { Readiness } from '../recovery/readiness.js';
import type { ApiLimitOverrides } from './api-limits.js';
import type { Metrics } from './metrics.js';
import type { RoleDefinition } from './roles.js';

export interface ServerIdentity {
  managementGroup: { id: string; name: string };
  computerName: string;
  role: 'workflow' | 'secondary';
}

export interface AppContext {
  db: Database;
  sealer: SecretSealer;
  logger: Logger;
  identity: ServerIdentity;
  /** Sign-in rate limits and HTTP timeouts, when not the defaults (api-limits.ts). */
  limits?: ApiLimitOverrides;
  /** ops (issue 13): recoverable now? (GET /api/v1/recovery/readiness) */
  readiness?: () => Promise<Readiness>;
  /** ops (issue 13): GET /metrics and the HTTP request counters. */
  metrics?: Metrics;
  // --- console-admin (issue 14): promote from the console's servers page; the dashboard's polling
  /** This server's workflow lease timing (config.json and environment). */
  leaseSettings?: Pick<LeaseSettings, 'leaseMs' | 'lockTimeoutMs'>;
  /** Tells this server's lease keeper to look at the lease now. */
  leaseChanged?: () => void;
  /** How often the recovery dashboard polls, in ms (SMGR_CONSOLE_LIVE_MS; default 3000). */
  consoleLiveMs?: number;
  /** The roles and what they may do (roles.ts), for the console's users page; buildApp sets it. */
  roles?: readonly RoleDefinition[];
  // --- end console-admin
}
