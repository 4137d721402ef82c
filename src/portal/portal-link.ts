/**
 * The portal's own link to its management group, through the management
 * server's API with the credential derived from its key (portal-key.ts):
 * check (the key matches its record and this computer is registered; writes
 * nothing), heartbeat, clean stop. The API's refusals become the registry's
 * errors a portal's operator acts on (KEY_MISMATCH, KEY_RECORD_MISSING,
 * NOT_REGISTERED), anything else MANAGEMENT_SERVER_REFUSED.
 */
import type { PortalConfig } from '../config/portal-config.js';
import { SmgrError } from '../errors/smgr-error.js';
import type { PortalComputer } from '../management-server/portal-store.js';
import type { StoredKey } from '../secure-storage/secure-storage.js';
import { ApiError, type ManagementServerClient } from './management-server-client.js';
import { portalCredential } from './portal-key.js';

export type LinkState = 'check' | 'alive' | 'stopped';

export interface LinkAnswer {
  managementGroup: { id: string; name: string };
  computers: PortalComputer[];
}

export async function portalLink(
  client: ManagementServerClient,
  config: PortalConfig,
  computerName: string,
  key: StoredKey,
  state: LinkState,
): Promise<LinkAnswer> {
  try {
    return await client.call<LinkAnswer>('POST', '/portals/heartbeat', {
      body: {
        computerName,
        keyId: key.keyId,
        credential: portalCredential(key.kek, key.keyId).toString('base64'),
        state,
      },
    });
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    if (e.code === 'KEY_MISMATCH') throw new SmgrError('KEY_MISMATCH', { keyId: key.keyId });
    if (e.code === 'KEY_RECORD_MISSING') throw new SmgrError('KEY_RECORD_MISSING', { keyId: key.keyId });
    if (e.code === 'NOT_REGISTERED') {
      throw new SmgrError('NOT_REGISTERED', { computer: computerName, group: config.managementGroup.name });
    }
    throw e.toSmgrError(client.baseUrl);
  }
}

/** The portal's KEK from secure storage, or KEY_MISSING. */
export function portalKey(keys: readonly StoredKey[], config: PortalConfig, storageDir: string): StoredKey {
  const key = keys.find((k) => k.keyId === config.keyId);
  if (!key) {
    throw new SmgrError('KEY_MISSING', {
      keyId: config.keyId,
      group: config.managementGroup.name,
      path: storageDir,
    });
  }
  return key;
}
