/**
 * What is installed on this computer, opened: its config, computer name,
 * secure storage and every installed part with its databases open. Used by
 * serve and by every operation (src/operations) run in the CLI process when
 * no server runs from the home.
 *
 * Opening checks config and secure storage (refusing loose permissions)
 * before any database is opened; a part that fails to open closes the ones
 * already opened. close() closes them all.
 */
import { resolveComputerName } from '../computer/computer-name.js';
import type { HomePaths } from '../computer/home.js';
import { requireConfig, type SmgrConfig } from '../config/config-file.js';
import { SmgrError } from '../errors/smgr-error.js';
import { SecureStorage } from '../secure-storage/secure-storage.js';
import type { OpenedPart, PartContext, PartName, ServerHooks } from './part.js';
import { installedParts } from './registry.js';

export interface Installation extends PartContext {
  parts: OpenedPart[];
  /** What the running server offers (empty when the CLI opened the installation itself). */
  hooks: ServerHooks;
  /** The opened part of that name, or PART_NOT_INSTALLED. */
  part<T extends OpenedPart = OpenedPart>(name: PartName): T;
  close(): Promise<void>;
}

export async function openInstallation(home: HomePaths, computerNameFlag?: string): Promise<Installation> {
  const config = requireConfig(home);
  const ctx: PartContext = {
    home,
    config,
    computerName: resolveComputerName(computerNameFlag, config.computerName),
    storage: SecureStorage.open(home.secureStorage),
  };
  const definitions = installedParts(config);
  if (definitions.length === 0) throw new SmgrError('NOT_INSTALLED', { home: home.root });
  const parts: OpenedPart[] = [];
  try {
    for (const d of definitions) parts.push(await d.open(ctx));
  } catch (e) {
    await closeAll(parts);
    throw e;
  }
  return {
    ...ctx,
    parts,
    hooks: {},
    part<T extends OpenedPart>(name: PartName): T {
      const p = parts.find((x) => x.definition.name === name);
      if (!p) throw new SmgrError('PART_NOT_INSTALLED', { home: home.root, part: name });
      return p as T;
    },
    close: () => closeAll(parts),
  };
}

async function closeAll(parts: readonly OpenedPart[]): Promise<void> {
  for (const p of [...parts].reverse()) await p.close().catch(() => {});
}

export type { SmgrConfig };
