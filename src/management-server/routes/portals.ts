/**
 * Self-Service Portals (issue 12). GET /portals and POST /portals
 * (administrators): the group's portal keys and portal computers; setup of a
 * portal (portal-store.ts: a new key record and registration, or an existing
 * key proven by its credential and the registration made or rebound).
 * POST /portals/heartbeat has no bearer token: the portal proves its key with
 * the credential derived from it, then the registration is checked
 * (state 'check', writes nothing: serve's check), marked alive, or stopped;
 * 'key-backed-up' records that the portal key was just backed up (smgr key backup).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { audit } from '../../audit/audit.js';
import { SmgrError } from '../../errors/smgr-error.js';
import { recordKeyBackup } from '../../keys/key-records.js';
import { getRegistration, heartbeat, recordCleanStop } from '../../management-group/registration.js';
import { publicAccess, requires } from '../access.js';
import type { AppContext } from '../app-context.js';
import { currentUser } from '../auth.js';
import { errorResponses } from '../http-errors.js';
import { checkPortalCredential, listPortalComputers, listPortalKeys, setUpPortal } from '../portal-store.js';

const strict = { additionalProperties: false } as const;
const NAME = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$' });
const KEY_ID = Type.String({ pattern: '^portal-[0-9a-f]{16}$' });
const B64 = (max: number) => Type.String({ pattern: '^[A-Za-z0-9+/]+={0,2}$', maxLength: max });
const Group = Type.Object({ id: Type.String(), name: Type.String() }, strict);

const PortalsAnswer = Type.Object(
  {
    managementGroup: Group,
    keys: Type.Array(
      Type.Object(
        {
          keyId: Type.String(),
          createdAt: Type.String(),
          lastBackupAt: Type.Union([Type.String(), Type.Null()]),
        },
        strict,
      ),
    ),
    computers: Type.Array(
      Type.Object(
        {
          computerName: Type.String(),
          alive: Type.Boolean(),
          installedAt: Type.String(),
          lastHeartbeat: Type.Union([Type.String(), Type.Null()]),
          stoppedAt: Type.Union([Type.String(), Type.Null()]),
        },
        strict,
      ),
    ),
  },
  strict,
);

const SetupBody = Type.Object(
  {
    computerName: NAME,
    keyId: KEY_ID,
    verifier: B64(100),
    wrappedDek: B64(200),
    credential: B64(100),
    existing: Type.Boolean(),
    force: Type.Optional(Type.Boolean()),
  },
  strict,
);

const SetupAnswer = Type.Object(
  { managementGroup: Group, computerName: Type.String(), keyId: Type.String(), rebound: Type.Boolean() },
  strict,
);

const HeartbeatBody = Type.Object(
  {
    computerName: NAME,
    keyId: KEY_ID,
    credential: B64(100),
    state: Type.Union([
      Type.Literal('check'),
      Type.Literal('alive'),
      Type.Literal('stopped'),
      Type.Literal('key-backed-up'),
    ]),
  },
  strict,
);

const tags = ['portals'];
const admin = requires(['portals'], 'set up portals');

export const portalRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (plain, { ctx }) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const group = () => ctx.identity.managementGroup;
  app.get(
    '/portals',
    {
      config: { access: admin },
      schema: {
        tags,
        summary: 'The portal keys and portal computers of this management group',
        response: { 200: PortalsAnswer, ...errorResponses },
      },
    },
    async () => ({
      managementGroup: group(),
      keys: await listPortalKeys(ctx.db),
      computers: await listPortalComputers(ctx.db),
    }),
  );

  app.post(
    '/portals',
    {
      config: { access: admin },
      schema: {
        tags,
        summary:
          'Set up a portal: a new portal key and registration, or an existing key (recovery, second portal)',
        body: SetupBody,
        response: { 201: SetupAnswer, ...errorResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const actor = currentUser(request).username;
      const { rebound } = await ctx.db.transaction(async (tx) => {
        const done = await setUpPortal(tx, group().name, {
          computerName: b.computerName,
          keyId: b.keyId,
          verifier: Buffer.from(b.verifier, 'base64'),
          wrappedDek: Buffer.from(b.wrappedDek, 'base64'),
          credential: Buffer.from(b.credential, 'base64'),
          existing: b.existing,
          force: b.force ?? false,
        });
        await audit(tx, actor, 'portal.set-up', b.computerName, {
          keyId: b.keyId,
          existing: b.existing,
          rebound: done.rebound,
        });
        return done;
      });
      return reply
        .status(201)
        .send({ managementGroup: group(), computerName: b.computerName, keyId: b.keyId, rebound });
    },
  );
};

/** POST /portals/heartbeat: outside the bearer scope (the portal's credential is its authentication). */
export const portalHeartbeatRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (plain, { ctx }) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const group = () => ctx.identity.managementGroup;
  app.post(
    '/portals/heartbeat',
    {
      config: { access: publicAccess },
      schema: {
        tags,
        summary: 'A portal checks its key and registration, heartbeats, or records a clean stop',
        description: 'No bearer token: the portal sends the credential derived from its key.',
        body: HeartbeatBody,
        response: {
          200: Type.Object(
            {
              managementGroup: Group,
              computers: PortalsAnswer.properties.computers,
              lastKeyBackupAt: Type.Union([Type.String(), Type.Null()]),
            },
            strict,
          ),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const b = request.body;
      await checkPortalCredential(ctx.db, b.keyId, Buffer.from(b.credential, 'base64'));
      if (!(await getRegistration(ctx.db, b.computerName, 'portal'))) {
        throw new SmgrError('NOT_REGISTERED', { computer: b.computerName, group: group().name });
      }
      if (b.state === 'alive') await heartbeat(ctx.db, b.computerName, 'portal');
      if (b.state === 'stopped') await recordCleanStop(ctx.db, b.computerName, 'portal');
      if (b.state === 'key-backed-up') await recordKeyBackup(ctx.db, [b.keyId]);
      const key = (await listPortalKeys(ctx.db)).find((k) => k.keyId === b.keyId);
      return {
        managementGroup: group(),
        computers: await listPortalComputers(ctx.db),
        lastKeyBackupAt: key?.lastBackupAt ?? null,
      };
    },
  );
};
