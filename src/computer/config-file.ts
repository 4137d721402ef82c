/**
 * <home>/config.json: what is installed on this computer. No secrets: keys
 * live in secure storage, database passwords in ~/.pgpass. Written
 * atomically; a crash leaves the old config or the new one.
 */
import fs from 'node:fs';
import { SmgrError } from '../errors/smgr-error.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import type { HomePaths } from './home.js';

export const CONFIG_FORMAT = 1;

export interface ManagementServerConfig {
  database: string;
  keyId: string;
  listen: string;
}

export interface SmgrConfig {
  format: typeof CONFIG_FORMAT;
  computerName: string;
  managementGroup: { id: string; name: string };
  managementServer?: ManagementServerConfig;
  backup?: BackupConfig;
}

export interface BackupConfig {
  /** Extra age recipients (age1…) every archive is also encrypted to, e.g. an offline key of the administrators. */
  extraRecipients?: string[];
  /** Default target directory of smgr backup create (default <home>/backups). */
  directory?: string;
}

export const DEFAULT_LISTEN = '127.0.0.1:8420';

export function readConfig(home: HomePaths): SmgrConfig | undefined {
  let text: string;
  try {
    text = fs.readFileSync(home.config, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SmgrError('CONFIG_INVALID', { path: home.config, reason: (e as Error).message });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SmgrError('CONFIG_INVALID', { path: home.config, reason: 'it is not JSON' });
  }
  return validate(parsed, home.config);
}

export function requireConfig(home: HomePaths): SmgrConfig {
  const config = readConfig(home);
  if (!config) throw new SmgrError('NOT_INSTALLED', { home: home.root });
  return config;
}

export function writeConfig(home: HomePaths, config: SmgrConfig): void {
  fs.mkdirSync(home.root, { recursive: true, mode: 0o700 });
  writeFileAtomic(home.config, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o644 });
}

function validate(value: unknown, path: string): SmgrConfig {
  const bad = (reason: string) => new SmgrError('CONFIG_INVALID', { path, reason });
  if (typeof value !== 'object' || value === null) throw bad('not an object');
  const c = value as Partial<SmgrConfig>;
  if (c.format !== CONFIG_FORMAT) throw bad(`unknown format ${String(c.format)}`);
  if (typeof c.computerName !== 'string') throw bad('computerName missing');
  if (typeof c.managementGroup?.id !== 'string' || typeof c.managementGroup?.name !== 'string') {
    throw bad('managementGroup missing');
  }
  const ms = c.managementServer;
  if (
    ms &&
    (typeof ms.database !== 'string' || typeof ms.keyId !== 'string' || typeof ms.listen !== 'string')
  ) {
    throw bad('managementServer incomplete');
  }
  const extra = c.backup?.extraRecipients;
  if (
    extra !== undefined &&
    (!Array.isArray(extra) || !extra.every((r) => typeof r === 'string' && r.startsWith('age1')))
  ) {
    throw bad('backup.extraRecipients must be a list of age1… recipients');
  }
  return c as SmgrConfig;
}
