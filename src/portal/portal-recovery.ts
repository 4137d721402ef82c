/**
 * The Self-Service Portal's contribution to `smgr recover` (docs/RECOVERY.md
 * §7, ARCHITECTURE §9): a portal is stateless apart from its key; its key
 * record and its registration live in the ServiceManager database. When the
 * key backup file holds a portal key, after the common key step: set the
 * portal up again with the existing key under the same computer name,
 * against the ServiceManager database (`--database URL`; a portal keeps no
 * database of its own, so there is no default) — the registration rebound
 * and an audit row in one transaction — then its config entry, calling the
 * management server's API at `--management-server URL`.
 *
 * Preflight (reads only): the database holds the key file's group, the
 * portal key's record (its verifier matches the file's KEK, and so does the
 * API credential's hash) and this computer's registration, not alive (unless
 * --force); the home has no portal; the listen address is free; the API
 * answers for the same group and proves the key and the registration (a
 * `check`, which writes nothing).
 *
 * Crash: the setup step is safe to run again — the rebind is one transaction
 * whose audit row carries the journal's id, so a rerun after it committed
 * writes only config.json; a config entry of the same group means the
 * interrupted run finished the step.
 */
import { audit } from '../audit/audit.js';
import { installPart, readConfig } from '../config/config-file.js';
import { DEFAULT_PORTAL_LISTEN, type PortalConfig } from '../config/portal-config.js';
import type { Queryable } from '../db/database.js';
import { parseDatabaseUrl } from '../db/database-url.js';
import { openDatabase } from '../db/open-database.js';
import { isSmgrError, SmgrError } from '../errors/smgr-error.js';
import type { BackedUpKey } from '../keys/key-backup-file.js';
import { kekMatches } from '../keys/key-hierarchy.js';
import { checkPortalCredential, setUpPortal } from '../management-server/portal-store.js';
import { readGroupSnapshot } from '../recovery/group-snapshot.js';
import { probeListen } from '../recovery/probe-listen.js';
import type {
  PartRecoveryPlan,
  PreflightCheck,
  RecoveryInput,
  StepContext,
} from '../recovery/recovery-plan.js';
import type { StoredKey } from '../secure-storage/secure-storage.js';
import { ManagementServerClient } from './management-server-client.js';
import { portalCredential } from './portal-key.js';
import { portalLink } from './portal-link.js';

const SETUP = 'portal:setup';

export async function portalRecoveryPlan(input: RecoveryInput): Promise<PartRecoveryPlan | undefined> {
  const key = input.keyBackup.keys.find((k) => k.part === 'portal');
  if (!key) return undefined;
  const group = key.managementGroup ?? input.keyBackup.managementGroup;
  const target = input.databaseUrl ? parseDatabaseUrl(input.databaseUrl) : undefined;
  const api = input.managementServer;
  const listen = input.listen ?? DEFAULT_PORTAL_LISTEN;
  const shown = target?.displayUrl ?? '(--database URL, not given)';
  const name = input.computerName;

  const setup = {
    id: SETUP,
    title: `set up the portal ${name} with its existing key against the ServiceManager database`,
    reads: [`secure storage (${input.home.secureStorage})`, `the database ${shown}`],
    writes: [
      `the database ${shown}: the portal registration of ${name} rebound and an audit row (one transaction)`,
      input.home.config,
    ],
    async run(ctx: StepContext) {
      const installed = readConfig(input.home)?.parts.portal;
      if (installed?.managementGroup.id === group.id) return 'installed by the interrupted run';
      const { url, apiUrl } = required(target?.url, api);
      const db = await openDatabase(url);
      let rebound: boolean;
      try {
        rebound = await db.transaction(async (tx) => {
          if (ctx.begunBefore && (await rebindRecorded(tx, name, ctx.recoveryId))) return true;
          const r = await setUpPortal(tx, group.name, {
            computerName: name,
            keyId: key.keyId,
            verifier: Buffer.alloc(0),
            wrappedDek: Buffer.alloc(0),
            credential: portalCredential(key.kek, key.keyId),
            existing: true,
            force: input.force,
          });
          await audit(tx, 'smgr recover', 'portal.set-up', name, {
            keyId: key.keyId,
            existing: true,
            rebound: r.rebound,
            recovery: ctx.recoveryId,
          });
          return r.rebound;
        });
      } finally {
        await db.close();
      }
      installPart(input.home, name, 'portal', {
        managementGroup: group,
        managementServer: new ManagementServerClient(apiUrl).baseUrl,
        keyId: key.keyId,
        listen,
      });
      return `${name}: ${rebound ? 'registration rebound' : 'registered'}; config written (API ${apiUrl}, listen ${listen})`;
    },
  };

  return {
    steps: [setup],
    databases: target ? [target.displayUrl] : [],
    async preflight(): Promise<PreflightCheck[]> {
      const checks: PreflightCheck[] = [];
      const group = key.managementGroup ?? input.keyBackup.managementGroup;
      const check = async (label: string, fn: () => Promise<string>) => {
        try {
          checks.push({ name: label, ok: true, detail: await fn() });
        } catch (e) {
          if (!isSmgrError(e)) throw e;
          checks.push({ name: label, ok: false, detail: e.message, error: e });
        }
      };
      if (input.done.has(SETUP)) return checks;
      await check('portal inputs', async () => {
        required(target?.url, api);
        return `ServiceManager database ${shown}; management server API ${api}`;
      });
      if (!target || !api) return checks;
      await check('ServiceManager database (portal)', () => checkDatabase(target.url, shown, key, input));
      await check('portal home', async () => {
        const installed = readConfig(input.home)?.parts.portal;
        if (!installed) return `${input.home.root} has no portal installed`;
        if (installed.managementGroup.id === group.id && input.begun.has(SETUP))
          return `${input.home.root}: installed by the interrupted run`;
        throw new SmgrError('ALREADY_INSTALLED', {
          home: input.home.root,
          group: installed.managementGroup.name,
        });
      });
      await check('portal listen address', async () => {
        await probeListen(listen);
        return `${listen} is free`;
      });
      await check('management server API (portal)', () => checkApi(api, key, input));
      return checks;
    },
  };
}

/** True when this recovery's setup committed its rebind before it was interrupted (its audit row is tagged). */
async function rebindRecorded(db: Queryable, computerName: string, recoveryId: string): Promise<boolean> {
  const r = await db.query(
    `SELECT 1 FROM audit_log WHERE action = 'portal.set-up' AND target = $1 AND details->>'recovery' = $2`,
    [computerName, recoveryId],
  );
  return r.rows.length > 0;
}

/** The portal needs both: the database to rebind in, the API it will call. */
function required(url: string | undefined, api: string | undefined): { url: string; apiUrl: string } {
  if (!url || !api) {
    throw new SmgrError('USAGE', {
      detail:
        'recovering a portal needs --database URL (the ServiceManager database) and --management-server URL (the API the portal calls)',
    });
  }
  if (!/^https?:\/\/[^\s/]+\/?$/.test(api))
    throw new SmgrError('USAGE', { detail: `--management-server ${api} is not http(s)://HOST:PORT` });
  return { url, apiUrl: api };
}

/** The group, the key's record (verifier and credential) and the registration, not alive; queries only. */
async function checkDatabase(url: string, shown: string, key: BackedUpKey, input: RecoveryInput) {
  const group = key.managementGroup ?? input.keyBackup.managementGroup;
  const db = await openDatabase(url);
  try {
    const s = await readGroupSnapshot(db, shown);
    if (s.group?.id !== group.id) {
      throw new SmgrError('RECOVER_OTHER_GROUP', {
        path: input.keyFile,
        file: group.name,
        source: s.source,
        found: s.group?.name ?? '(none)',
      });
    }
    const record = s.keyRecords.find((r) => r.part === 'portal' && r.keyId === key.keyId);
    if (!record) {
      throw new SmgrError('RECOVER_KEY_NOT_IN_FILE', {
        path: input.keyFile,
        keyId: s.keyRecords.find((r) => r.part === 'portal')?.keyId ?? '(none)',
        group: group.name,
        source: s.source,
      });
    }
    if (!kekMatches(key.kek, record.keyId, record.verifier))
      throw new SmgrError('RECOVER_KEY_MISMATCH', {
        keyId: key.keyId,
        path: input.keyFile,
        source: s.source,
      });
    await checkPortalCredential(db, key.keyId, portalCredential(key.kek, key.keyId)).catch(() => {
      throw new SmgrError('RECOVER_KEY_MISMATCH', {
        keyId: key.keyId,
        path: input.keyFile,
        source: s.source,
      });
    });
    const reg = s.registrations.find((r) => r.part === 'portal' && r.computerName === input.computerName);
    if (!reg)
      throw new SmgrError('PORTAL_NOT_REGISTERED', { computer: input.computerName, group: group.name });
    if (reg.alive && !input.force) {
      throw new SmgrError('PORTAL_NAME_IN_USE', {
        computer: input.computerName,
        heartbeat: reg.lastHeartbeat ?? 'never',
      });
    }
    return `${shown} holds management group "${group.name}"; portal key ${key.keyId} verifies against its record; ${input.computerName} is registered as a portal and not live${reg.alive ? ' (taken over: --force)' : ''}`;
  } finally {
    await db.close();
  }
}

/** The API the portal will call answers for the same group and proves the key (state `check`: no write). */
async function checkApi(api: string, key: BackedUpKey, input: RecoveryInput): Promise<string> {
  const group = key.managementGroup ?? input.keyBackup.managementGroup;
  const config: PortalConfig = {
    managementGroup: group,
    managementServer: api,
    keyId: key.keyId,
    listen: '',
  };
  const client = new ManagementServerClient(api);
  const stored: StoredKey = {
    keyId: key.keyId,
    part: 'portal',
    managementGroupId: group.id,
    managementGroupName: group.name,
    kek: key.kek,
    createdAt: key.createdAt,
  };
  const answer = await portalLink(client, config, input.computerName, stored, 'check');
  if (answer.managementGroup.id !== group.id) {
    throw new SmgrError('RECOVER_OTHER_GROUP', {
      path: input.keyFile,
      file: group.name,
      source: `the management server ${client.baseUrl}`,
      found: answer.managementGroup.name,
    });
  }
  return `${client.baseUrl} answers for "${group.name}" and accepts the portal key's credential`;
}
