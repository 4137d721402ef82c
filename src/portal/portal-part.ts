/**
 * The Self-Service Portal as a part (src/parts/part.ts). It has no database:
 * its state is its key (secure storage) and its config entry; everything else
 * it reads and writes through the management server's API.
 *
 *  prepare (writes nothing): the KEK is in secure storage; through the API,
 *    the credential derived from it matches the key record and this
 *    computer is registered as a portal (when a management server runs in the
 *    same process, its API answers only once it started, so this check moves
 *    to start); the pages are built and the listener bound.
 *  start: the check if it was deferred, a heartbeat now and every
 *    HEARTBEAT_INTERVAL_MS.
 *  stop: the listener closed, a clean stop recorded (best effort).
 *
 * Crash: the registration stops heartbeating and is no longer alive after
 * ALIVE_WINDOW_S; sessions live on in the browsers' cookies.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { requirePart } from '../config/config-file.js';
import type { PortalConfig } from '../config/portal-config.js';
import { HEARTBEAT_INTERVAL_MS } from '../management-group/registration.js';
import { listenOn } from '../management-server/listen.js';
import type { OpenedPart, PartContext, PartDefinition, PartStatus, PreparedPart } from '../parts/part.js';
import type { DoctorCheck } from '../recovery/doctor-check.js';
import type { StoredKey } from '../secure-storage/secure-storage.js';
import { builtInCatalog } from './built-in-catalog.js';
import { ManagementServerClient } from './management-server-client.js';
import { packCatalogSource } from './pack-catalog-source.js';
import { buildPortalApp } from './portal-app.js';
import { sessionKey } from './portal-key.js';
import { type LinkAnswer, portalKey, portalLink } from './portal-link.js';
import { portalRecoveryPlan } from './portal-recovery.js';
import { portalSetup } from './portal-setup.js';
import { SessionSealer } from './session-cookie.js';

export interface OpenedPortal extends OpenedPart {
  readonly config: PortalConfig;
}

export const portalPart: PartDefinition = {
  name: 'portal',
  title: 'Self-Service Portal',
  keyPart: 'portal',
  recoverySetup: 'smgr setup portal --existing --management-server URL --admin-user NAME',
  setup: portalSetup,
  recoveryPlan: portalRecoveryPlan,

  async open(ctx: PartContext): Promise<OpenedPortal> {
    const config = requirePart(ctx.home, ctx.config, 'portal');
    const client = new ManagementServerClient(config.managementServer);
    const key = () => portalKey(ctx.storage.listKeys(), config, ctx.storage.dir);
    return {
      definition: portalPart,
      managementGroup: config.managementGroup,
      databases: [],
      config,
      status: () => portalStatus(config, ctx, client, key),
      doctor: () => portalDoctor(config, ctx, client, key),
      // The record is in ServiceManager: recorded through the API, proven by the key's credential.
      async recordKeyBackup(keyIds) {
        if (!keyIds.includes(config.keyId)) return 0;
        await portalLink(client, config, ctx.computerName, key(), 'key-backed-up');
        return 1;
      },
      backup: async () => {
        throw new Error('the portal has no databases to back up; back up its key (smgr key backup)');
      },
      close: async () => {},
    };
  },

  async prepareServe(opened, ctx, serve): Promise<PreparedPart> {
    const { config } = opened as OpenedPortal;
    const key = portalKey(ctx.storage.listKeys(), config, ctx.storage.dir);
    const client = new ManagementServerClient(config.managementServer);
    const deferCheck = ctx.config.parts['management-server'] !== undefined;
    if (!deferCheck) await portalLink(client, config, ctx.computerName, key, 'check');
    const app = await buildPortalApp({
      client,
      sealer: new SessionSealer(sessionKey(key.kek, key.keyId), key.keyId),
      catalog: packCatalogSource(client, builtInCatalog),
      logger: serve.logger,
      identity: { computerName: ctx.computerName, managementGroup: config.managementGroup },
    });
    const address = await listenOn(app, serve.listen ?? config.listen);
    return {
      address,
      abandon: () => app.close(),
      async start() {
        try {
          if (deferCheck) await portalLink(client, config, ctx.computerName, key, 'check');
          const beat = await startHeartbeat(client, config, ctx.computerName, key, serve.logger);
          serve.logger.info({ address, computerName: ctx.computerName }, 'portal started');
          return {
            address,
            stop: () => stop(app, beat, client, config, ctx.computerName, key, serve.logger),
          };
        } catch (e) {
          await app.close().catch(() => {});
          throw e;
        }
      },
    };
  },
};

async function startHeartbeat(
  client: ManagementServerClient,
  config: PortalConfig,
  computerName: string,
  key: StoredKey,
  logger: Logger,
): Promise<NodeJS.Timeout> {
  await portalLink(client, config, computerName, key, 'alive');
  const timer = setInterval(() => {
    portalLink(client, config, computerName, key, 'alive').catch((e: Error) =>
      logger.warn({ err: { message: e.message } }, 'portal heartbeat failed'),
    );
  }, HEARTBEAT_INTERVAL_MS);
  timer.unref();
  return timer;
}

async function stop(
  app: FastifyInstance,
  beat: NodeJS.Timeout,
  client: ManagementServerClient,
  config: PortalConfig,
  computerName: string,
  key: StoredKey,
  logger: Logger,
): Promise<void> {
  clearInterval(beat);
  await app.close();
  await portalLink(client, config, computerName, key, 'stopped').catch((e: Error) =>
    logger.warn({ err: { message: e.message } }, 'could not record the clean stop'),
  );
  logger.info({ computerName }, 'portal stopped');
}

/** What the management server says of this portal's key and registration, or why it cannot say. */
async function ask(
  config: PortalConfig,
  ctx: PartContext,
  client: ManagementServerClient,
  key: () => StoredKey,
): Promise<{ held: boolean; link?: LinkAnswer; problem?: Error & { remedy?: string } }> {
  let k: StoredKey;
  try {
    k = key();
  } catch (e) {
    return { held: false, problem: e as Error };
  }
  try {
    return { held: true, link: await portalLink(client, config, ctx.computerName, k, 'check') };
  } catch (e) {
    return { held: true, problem: e as Error };
  }
}

async function portalStatus(
  config: PortalConfig,
  ctx: PartContext,
  client: ManagementServerClient,
  key: () => StoredKey,
): Promise<PartStatus> {
  const a = await ask(config, ctx, client, key);
  const computers = a.link?.computers ?? [];
  return {
    part: 'portal',
    role: 'portal',
    managementGroup: config.managementGroup,
    databases: [],
    keys: [
      {
        keyId: config.keyId,
        part: 'portal',
        inSecureStorage: a.held,
        verifies: Boolean(a.link),
        lastBackupAt: a.link?.lastKeyBackupAt ?? null,
      },
    ],
    summary: [
      { label: 'API', value: config.managementServer },
      { label: 'Listen', value: config.listen },
      ...computers.map((c) => ({
        label: `Portal ${c.computerName}`,
        value: `${c.alive ? 'alive' : 'not running'}, last heartbeat ${c.lastHeartbeat ?? 'never'}`,
      })),
    ],
    details: { managementServer: config.managementServer, listen: config.listen, portals: computers },
    warnings: a.problem ? [`portal: ${a.problem.message}`] : [],
  };
}

async function portalDoctor(
  config: PortalConfig,
  ctx: PartContext,
  client: ManagementServerClient,
  key: () => StoredKey,
): Promise<DoctorCheck[]> {
  const a = await ask(config, ctx, client, key);
  const checks: DoctorCheck[] = [
    a.held
      ? { name: 'portal key in secure storage', state: 'pass', detail: config.keyId }
      : {
          name: 'portal key in secure storage',
          state: 'fail',
          detail: a.problem?.message ?? '',
          remedy: a.problem?.remedy,
        },
  ];
  if (a.held) {
    checks.push(
      a.link
        ? {
            name: 'portal key and registration (management server)',
            state: 'pass',
            detail: `${config.managementServer}: key ${config.keyId} matches its record, ${ctx.computerName} is registered`,
          }
        : {
            name: 'portal key and registration (management server)',
            state: 'fail',
            detail: a.problem?.message ?? '',
            remedy: a.problem?.remedy,
          },
    );
  }
  for (const c of a.link?.computers ?? []) {
    checks.push({
      name: `portal ${c.computerName}`,
      state: c.alive || c.computerName === ctx.computerName ? 'pass' : 'warn',
      detail: `${c.alive ? 'alive' : 'not running'}, last heartbeat ${c.lastHeartbeat ?? 'never'}`,
      ...(c.alive
        ? {}
        : { remedy: `Start smgr serve on ${c.computerName}, or ignore a portal taken out of use.` }),
    });
  }
  return checks;
}
