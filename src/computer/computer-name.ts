/**
 * The computer name identifies a computer in the management group (the
 * registration row). Default: the host name; --computer-name and
 * SMGR_COMPUTER_NAME override it. Names compare case-insensitively, as
 * Windows computer names do, and are stored in lower case.
 */
import os from 'node:os';
import { SmgrError } from '../errors/smgr-error.js';

const VALID = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function normalizeComputerName(raw: string): string {
  const name = raw.trim().toLowerCase().split('.')[0] ?? '';
  if (!VALID.test(name)) throw new SmgrError('INVALID_COMPUTER_NAME', { name: raw.slice(0, 80) });
  return name;
}

/** Flag, then environment, then the configured name, then the host name. */
export function resolveComputerName(
  flag?: string,
  configured?: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const explicit = flag ?? env.SMGR_COMPUTER_NAME;
  if (explicit !== undefined) {
    const name = normalizeComputerName(explicit);
    if (configured && configured !== name) {
      throw new SmgrError('COMPUTER_NAME_MISMATCH', { configured, given: name });
    }
    return name;
  }
  return configured ?? normalizeComputerName(os.hostname());
}
