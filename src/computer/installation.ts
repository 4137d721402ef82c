/**
 * What is installed on this computer, opened: its config, computer name,
 * secure storage and ServiceManager database. Used by serve and by every CLI
 * command that opens the database itself (when no server runs).
 */
import type { Database } from '../db/database.js';
import { openDatabase } from '../db/open-database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { SecureStorage } from '../secure-storage/secure-storage.js';
import { resolveComputerName } from './computer-name.js';
import { requireConfig, type SmgrConfig } from './config-file.js';
import type { HomePaths } from './home.js';

export interface Installation {
  home: HomePaths;
  config: SmgrConfig;
  computerName: string;
  storage: SecureStorage;
  db: Database;
}

/** Loads config and secure storage (refusing loose permissions) before opening the database. */
export async function openInstallation(home: HomePaths, computerNameFlag?: string): Promise<Installation> {
  const config = requireConfig(home);
  const computerName = resolveComputerName(computerNameFlag, config.computerName);
  const storage = SecureStorage.open(home.secureStorage);
  const ms = config.managementServer;
  if (!ms) throw new SmgrError('NOT_INSTALLED', { home: home.root });
  const db = await openDatabase(ms.database);
  return { home, config, computerName, storage, db };
}
