/**
 * <home>/config.json: what is installed on this computer (config-schema.ts).
 * No secrets: keys live in secure storage, database passwords in ~/.pgpass.
 * Written atomically; a crash leaves the old config or the new one. A
 * format-1 file is upgraded on first read and rewritten atomically (the old
 * one kept as config.json.format-1); when the home is read-only the upgraded
 * config is used in memory only.
 */
import fs from 'node:fs';
import type { HomePaths } from '../computer/home.js';
import { SmgrError } from '../errors/smgr-error.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import { checkSchema } from '../schema/check-schema.js';
import { type PartName, SmgrConfig } from './config-schema.js';
import { upgradeFormat1 } from './config-upgrade.js';

export { CONFIG_FORMAT, type PartName, type SmgrConfig } from './config-schema.js';

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
  const raw = parsed as Record<string, unknown> | null;
  if (raw && typeof raw === 'object' && raw.format === 1) {
    const upgraded = parseConfig(upgradeFormat1(raw), home.config);
    persistUpgrade(home, text, upgraded);
    return upgraded;
  }
  return parseConfig(parsed, home.config);
}

export function parseConfig(value: unknown, path: string): SmgrConfig {
  const v = value as Record<string, unknown> | null;
  if (v && typeof v === 'object' && typeof v.format === 'number' && v.format > 2) {
    throw new SmgrError('CONFIG_INVALID', {
      path,
      reason: `format ${v.format} is newer than this smgr reads (2): upgrade smgr`,
    });
  }
  return checkSchema(
    SmgrConfig,
    value,
    (problems) => new SmgrError('CONFIG_INVALID', { path, reason: problems }),
  );
}

export function requireConfig(home: HomePaths): SmgrConfig {
  const config = readConfig(home);
  if (!config) throw new SmgrError('NOT_INSTALLED', { home: home.root });
  return config;
}

/** The config of one installed part, or NOT_INSTALLED naming the part. */
export function requirePart<P extends PartName>(
  home: HomePaths,
  config: SmgrConfig,
  part: P,
): NonNullable<SmgrConfig['parts'][P]> {
  const entry = config.parts[part];
  if (!entry) throw new SmgrError('PART_NOT_INSTALLED', { home: home.root, part });
  return entry as NonNullable<SmgrConfig['parts'][P]>;
}

/**
 * Refuses (ALREADY_INSTALLED, changing nothing) when `part` is already
 * installed in this home; answers the config the part will be added to.
 */
export function refuseInstalledPart(home: HomePaths, part: PartName): SmgrConfig | undefined {
  const existing = readConfig(home);
  const entry = existing?.parts[part];
  if (entry) throw new SmgrError('ALREADY_INSTALLED', { home: home.root, group: entry.managementGroup.name });
  return existing;
}

/** Adds a part's entry to config.json (created for the first part), atomically. */
export function installPart<P extends PartName>(
  home: HomePaths,
  computerName: string,
  part: P,
  entry: NonNullable<SmgrConfig['parts'][P]>,
): SmgrConfig {
  const config: SmgrConfig = readConfig(home) ?? { format: 2, computerName, parts: {} };
  const next: SmgrConfig = { ...config, parts: { ...config.parts, [part]: entry } };
  parseConfig(next, home.config);
  writeConfig(home, next);
  return next;
}

export function writeConfig(home: HomePaths, config: SmgrConfig): void {
  fs.mkdirSync(home.root, { recursive: true, mode: 0o700 });
  writeFileAtomic(home.config, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o644 });
}

function persistUpgrade(home: HomePaths, oldText: string, upgraded: SmgrConfig): void {
  try {
    writeFileAtomic(`${home.config}.format-1`, oldText, { mode: 0o644 });
    writeConfig(home, upgraded);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EROFS' && code !== 'EPERM') throw e;
  }
}
