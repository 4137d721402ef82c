/**
 * `smgr setup portal`: installs the Self-Service Portal on this computer.
 * Everything it writes to the management group goes through the management
 * server's API, signed in as an administrator (--admin-user):
 *
 *  new (default): a new portal key — its KEK into secure storage (part
 *    `portal`), its key record into ServiceManager — and this computer
 *    registered (part `portal`); refused when the group already has a portal
 *    key (restore it and use --existing) or the name is registered;
 *  --existing: the portal key is already in secure storage (restored from its
 *    key backup file), and the credential derived from it proves it to the
 *    server; the registration is rebound (recovery under the same name) or
 *    made (a second portal sharing the key, hence the sessions).
 *
 * Then the portal's entry is written to config.json. Every refusal comes
 * before any write; the one write before the server's transaction (the new
 * KEK) is removed again if the server refuses. Crash between the server's
 * transaction and the config write: the registration and key are there,
 * config.json has no portal; run setup again with --existing.
 */

import { installPart, refuseInstalledPart } from '../config/config-file.js';
import { DEFAULT_PORTAL_LISTEN } from '../config/portal-config.js';
import { SmgrError } from '../errors/smgr-error.js';
import { newKek, newKeyId } from '../keys/key-hierarchy.js';
import type { PartSetup, SetupResult } from '../parts/part.js';
import { SecureStorage, type StoredKey } from '../secure-storage/secure-storage.js';
import { ApiError, ManagementServerClient } from './management-server-client.js';
import { portalKeyRecord } from './portal-key.js';

const str = (v: string | boolean | undefined) => (typeof v === 'string' ? v : undefined);

interface PortalsAnswer {
  managementGroup: { id: string; name: string };
  keys: Array<{ keyId: string }>;
  computers: Array<{ computerName: string; alive: boolean }>;
}

export const portalSetup: PartSetup = {
  description:
    'install the Self-Service Portal: a new portal key, or an existing one restored (recovery, a second portal)',
  flags: [
    { flags: '--management-server <url>', description: "the management server's API (http://HOST:PORT)" },
    { flags: '--admin-user <name>', description: 'an administrator of the management group' },
    {
      flags: '--admin-password-file <file>',
      description: "file holding the administrator's password (else asked)",
    },
    {
      flags: '--existing',
      description:
        'use the portal key already in secure storage (restored first): recovery, or a second portal',
    },
    {
      flags: '--listen <host:port>',
      description: 'address the portal will listen on',
      default: DEFAULT_PORTAL_LISTEN,
    },
    { flags: '--force', description: 'with --existing: take over a registration that still looks alive' },
  ],
  async run(ctx, flags) {
    const url = str(flags.managementServer);
    const adminUser = str(flags.adminUser);
    if (!url || !adminUser) {
      throw new SmgrError('USAGE', {
        detail: 'setup portal needs --management-server URL and --admin-user NAME',
      });
    }
    if (!/^https?:\/\/[^\s/]+\/?$/.test(url)) {
      throw new SmgrError('USAGE', { detail: `--management-server ${url} is not http(s)://HOST:PORT` });
    }
    refuseInstalledPart(ctx.home, 'portal');
    const storage = SecureStorage.open(ctx.home.secureStorage);
    storage.checkPermissions();
    const password = await ctx.password({
      file: str(flags.adminPasswordFile),
      flag: '--admin-password-file',
      prompt: `Password for ${adminUser}`,
    });
    const client = new ManagementServerClient(url);
    const session = await refused(url, () =>
      client.call<{ token: string }>('POST', '/sessions', { body: { username: adminUser, password } }),
    ).catch((e) => {
      if (!(e instanceof SmgrError && /invalid credentials/.test(e.message))) throw e;
      throw new SmgrError('MANAGEMENT_SERVER_REFUSED', {
        url,
        message: `the password of ${adminUser} is wrong, or no such administrator exists.`,
        remedy: 'Check --admin-user and the password (--admin-password-file).',
      });
    });
    try {
      const state = await refused(url, () =>
        client.call<PortalsAnswer>('GET', '/portals', { token: session.token }),
      );
      const existing = Boolean(flags.existing);
      const key = existing ? heldKey(storage, state) : newKey(state, ctx.computerName);
      let wrote = false;
      if (!existing) {
        storage.putKey(key);
        wrote = true;
      }
      let answer: { rebound: boolean };
      try {
        answer = await refused(url, () =>
          client.call('POST', '/portals', {
            token: session.token,
            body: {
              computerName: ctx.computerName,
              ...portalKeyRecord(key.kek, key.keyId),
              existing,
              ...(flags.force ? { force: true } : {}),
            },
          }),
        );
      } catch (e) {
        if (wrote) storage.retireKeyFile(key.keyId);
        throw e;
      }
      const listen = str(flags.listen) ?? DEFAULT_PORTAL_LISTEN;
      installPart(ctx.home, ctx.computerName, 'portal', {
        managementGroup: state.managementGroup,
        managementServer: client.baseUrl,
        keyId: key.keyId,
        listen,
      });
      return result(ctx.home.config, ctx.computerName, state, key.keyId, answer.rebound, existing);
    } finally {
      await client.call('DELETE', '/sessions/current', { token: session.token }).catch(() => {});
    }
  },
};

/** The API's refusals as smgr errors (message and remedy of the management server). */
async function refused<T>(url: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw e instanceof ApiError ? e.toSmgrError(url) : e;
  }
}

function newKey(state: PortalsAnswer, computerName: string): StoredKey {
  const group = state.managementGroup;
  const [held] = state.keys;
  if (held) throw new SmgrError('PORTAL_KEY_EXISTS', { group: group.name, keyId: held.keyId });
  if (state.computers.some((c) => c.computerName === computerName)) {
    throw new SmgrError('PORTAL_ALREADY_REGISTERED', { computer: computerName, group: group.name });
  }
  return {
    keyId: newKeyId('portal'),
    part: 'portal',
    managementGroupId: group.id,
    managementGroupName: group.name,
    kek: newKek(),
    createdAt: new Date().toISOString(),
  };
}

function heldKey(storage: SecureStorage, state: PortalsAnswer): StoredKey {
  const group = state.managementGroup;
  const known = new Set(state.keys.map((k) => k.keyId));
  const key = storage
    .listKeys()
    .find((k) => k.part === 'portal' && k.managementGroupId === group.id && known.has(k.keyId));
  if (!key) throw new SmgrError('PORTAL_KEY_MISSING', { path: storage.dir, group: group.name });
  return key;
}

function result(
  configPath: string,
  computerName: string,
  state: PortalsAnswer,
  keyId: string,
  rebound: boolean,
  existing: boolean,
): SetupResult {
  return {
    part: 'portal',
    managementGroup: state.managementGroup,
    computerName,
    role: 'portal',
    keyId,
    databases: [],
    configPath,
    rebound,
    next: [
      existing
        ? 'Keep the key backup file you restored the portal key from; it is still the portal key backup.'
        : 'Back up the portal key now (it keeps users signed in across a recovery): smgr key backup --file FILE',
      "Let the management server count sign-in attempts per browser: add this portal's address to its limits.http.trustedProxies.",
    ],
  };
}
