/**
 * The data warehouse's registration with this management group:
 * PUT /api/v1/data-warehouse (smgr dw register; administrators) writes the
 * DW's key record, computer registration and service account, refusing a
 * DW named like this group or a second DW; DELETE /api/v1/data-warehouse
 * (smgr dw unregister) removes them; GET /api/v1/data-warehouse/self and
 * POST /api/v1/data-warehouse/heartbeat are the DW's own (its key check at
 * serve and doctor, its liveness in smgr status). Each write is audited in
 * its transaction. The service account's password is hashed, never stored
 * or logged.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { audit } from '../../audit/audit.js';
import { SmgrError } from '../../errors/smgr-error.js';
import { getKeyRecord } from '../../keys/key-records.js';
import { requireManagementGroup } from '../../management-group/management-group.js';
import { getRegistration, heartbeat, recordCleanStop } from '../../management-group/registration.js';
import { requires } from '../access.js';
import type { AppContext } from '../app-context.js';
import { currentUser } from '../auth.js';
import { readDwRecord, registerDw, unregisterDw } from '../dw-registration-store.js';
import { errorResponses } from '../http-errors.js';

const Base64 = Type.String({ pattern: '^[A-Za-z0-9+/]+={0,2}$', maxLength: 512 });
const RegisterBody = Type.Object(
  {
    dataWarehouse: Type.Object(
      { id: Type.String({ format: 'uuid' }), name: Type.String({ minLength: 1, maxLength: 64 }) },
      { additionalProperties: false },
    ),
    computerName: Type.String({ pattern: '^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$' }),
    key: Type.Object(
      { keyId: Type.String({ pattern: '^dw-[0-9a-f]{16}$' }), verifier: Base64, wrappedDek: Base64 },
      { additionalProperties: false },
    ),
    serviceAccountPassword: Type.String({ minLength: 16, maxLength: 1024 }),
  },
  { additionalProperties: false },
);
const Group = Type.Object({ id: Type.String(), name: Type.String() }, { additionalProperties: false });
const HeartbeatBody = Type.Object(
  { computerName: Type.String({ minLength: 1, maxLength: 63 }), stopped: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

const SelfSchema = Type.Object(
  {
    managementGroup: Group,
    dataWarehouse: Type.Object(
      {
        id: Type.String(),
        name: Type.String(),
        computerName: Type.String(),
        keyId: Type.String(),
        verifier: Type.String(),
      },
      { additionalProperties: false },
    ),
    registration: Type.Union([
      Type.Object(
        { alive: Type.Boolean(), lastHeartbeat: Type.Union([Type.String(), Type.Null()]) },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
  },
  { additionalProperties: false },
);

const register = requires(['data-warehouse:register'], 'register a data warehouse');
const self = requires(['data-warehouse:self'], "read the data warehouse's own registration");
const common = { tags: ['data warehouse'] };

export const dataWarehouseRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (plain, { ctx }) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  app.put(
    '/data-warehouse',
    {
      config: { access: register },
      schema: {
        ...common,
        summary: 'Register the data warehouse of this management group',
        body: RegisterBody,
        response: {
          200: Type.Object(
            { managementGroup: Group, serviceUser: Type.String() },
            { additionalProperties: false },
          ),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const actor = currentUser(request).username;
      return ctx.db.transaction(async (tx) => {
        const r = await registerDw(tx, request.body);
        await audit(tx, actor, 'data-warehouse.registered', request.body.dataWarehouse.name, {
          keyId: request.body.key.keyId,
          computer: request.body.computerName,
        });
        return r;
      });
    },
  );

  app.delete(
    '/data-warehouse',
    {
      config: { access: register },
      schema: {
        ...common,
        summary: 'Unregister the data warehouse (its own data is kept on the DW)',
        querystring: Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
        response: {
          200: Type.Object(
            { removed: Type.Union([Type.String(), Type.Null()]) },
            { additionalProperties: false },
          ),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const actor = currentUser(request).username;
      return ctx.db.transaction(async (tx) => {
        const removed = await unregisterDw(tx, request.query.id);
        if (removed)
          await audit(tx, actor, 'data-warehouse.unregistered', removed.name, { keyId: removed.keyId });
        return { removed: removed?.name ?? null };
      });
    },
  );

  app.get(
    '/data-warehouse/self',
    {
      config: { access: self },
      schema: {
        ...common,
        summary: "The data warehouse's registration and key record (no key material)",
        response: { 200: SelfSchema, ...errorResponses },
      },
    },
    async () => {
      const group = await requireManagementGroup(ctx.db);
      const dw = await readDwRecord(ctx.db);
      if (!dw) throw new SmgrError('DW_NOT_REGISTERED', { dw: 'none' });
      const record = await getKeyRecord(ctx.db, dw.keyId);
      const reg = await getRegistration(ctx.db, dw.computerName, 'data-warehouse');
      return {
        managementGroup: { id: group.id, name: group.name },
        dataWarehouse: {
          id: dw.id,
          name: dw.name,
          computerName: dw.computerName,
          keyId: dw.keyId,
          verifier: record?.verifier.toString('base64') ?? '',
        },
        registration: reg
          ? { alive: reg.alive, lastHeartbeat: reg.lastHeartbeat?.toISOString() ?? null }
          : null,
      };
    },
  );

  app.post(
    '/data-warehouse/heartbeat',
    {
      config: { access: self },
      schema: {
        ...common,
        summary: 'Heartbeat of the data warehouse server',
        body: HeartbeatBody,
        response: {
          200: Type.Object({ ok: Type.Boolean() }, { additionalProperties: false }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const dw = await readDwRecord(ctx.db);
      if (!dw || dw.computerName !== request.body.computerName) {
        throw new SmgrError('DW_NOT_REGISTERED', { dw: request.body.computerName });
      }
      if (request.body.stopped) await recordCleanStop(ctx.db, dw.computerName, 'data-warehouse');
      else await heartbeat(ctx.db, dw.computerName, 'data-warehouse');
      return { ok: true };
    },
  );
};
