/**
 * Reads config.json format 1 (smgr 0.1: one management server, its settings
 * under `managementServer` or at the top level) as format 2: the management
 * server becomes `parts["management-server"]` with the group beside it.
 * Keys this upgrade does not know are carried over unchanged, so the format-2
 * schema refuses them by name instead of dropping them.
 */
import { MANAGEMENT_SERVER_SETTING_KEYS } from './management-server-config.js';

type Json = Record<string, unknown>;

export function upgradeFormat1(v1: Json): Json {
  const { format: _format, managementGroup, managementServer, computerName, backup, ...rest } = v1;
  const moved: Json = {};
  for (const key of MANAGEMENT_SERVER_SETTING_KEYS) {
    if (key in rest) {
      moved[key] = rest[key];
      delete rest[key];
    }
  }
  const parts: Json = {};
  if (managementServer !== undefined) {
    const ms = (typeof managementServer === 'object' && managementServer) || {};
    parts['management-server'] = { managementGroup, ...moved, ...(ms as Json) };
  }
  return {
    format: 2,
    computerName,
    parts,
    ...(backup !== undefined ? { backup } : {}),
    ...rest,
  };
}
