/**
 * What the HTTP API needs from the running server: the database, the sealer
 * for the management group's data key (already verified against the key
 * record by serve), a logger, and who this server is (for /health).
 */
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import type { SecretSealer } from '../keys/secret-sealer.js';

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
}
