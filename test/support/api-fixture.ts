/**
 * A ready ServiceManager database and a built HTTP API, for tests of the
 * management server (and anyone else who needs a signed-in API).
 *
 *   for (const makeEngine of ENGINES) {
 *     describe(`... (${makeEngine().name})`, () => {
 *       let fx: ApiFixture;
 *       before(async () => { fx = await openApiFixture(makeEngine); });
 *       after(() => fx.close());
 *       it('...', async () => {
 *         const token = await fx.login();
 *         const res = await fx.app.inject({ method: 'GET', url: '/api/v1/work-items', headers: fx.auth(token) });
 *       });
 *     });
 *   }
 *
 * openApiFixture makes a fresh database on the engine (PGlite in a temp dir,
 * or a uniquely named database on the local PostgreSQL server), migrates it,
 * and prepares it with prepareServiceManager(): a management group, its KEK
 * in a temp secure storage with its key record, the sealer from unlockKey
 * (the same path serve takes), and one admin user (fx.username/fx.password).
 * Every log line of the app is collected in fx.logs (pino JSON, level trace).
 * fx.close() closes the app and the database, and removes/drops both.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import type { Database, Queryable } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { serviceManagerMigrations } from '../../src/db/migrations/service-manager.js';
import { newKek, newKeyId } from '../../src/keys/key-hierarchy.js';
import { insertKeyRecord } from '../../src/keys/key-records.js';
import { hashPassword } from '../../src/keys/password-hash.js';
import type { SecretSealer } from '../../src/keys/secret-sealer.js';
import { unlockKey } from '../../src/keys/unlock-key.js';
import { registerComputer } from '../../src/management-group/registration.js';
import type { AppContext } from '../../src/management-server/app-context.js';
import { buildApp } from '../../src/management-server/build-app.js';
import { SecureStorage } from '../../src/secure-storage/secure-storage.js';
import { type EngineFixture, tempDir } from './engines.js';

export const TEST_USERNAME = 'admin';
export const TEST_PASSWORD = 'correct horse battery staple';
export const TEST_COMPUTER = 'ms-test-1';

export interface PreparedServiceManager {
  group: { id: string; name: string };
  keyId: string;
  sealer: SecretSealer;
  storage: SecureStorage;
  username: string;
  password: string;
}

/**
 * Makes a migrated, empty ServiceManager database ready to serve: group, key
 * (KEK in `secureStorageDir`, record in the database), this computer
 * registered as workflow server, and an admin user.
 */
export async function prepareServiceManager(
  db: Database,
  secureStorageDir: string,
): Promise<PreparedServiceManager> {
  await migrate(db, serviceManagerMigrations);
  const group = { id: randomUUID(), name: 'Test Group' };
  const keyId = newKeyId('mg');
  const kek = newKek();
  const storage = SecureStorage.open(secureStorageDir, { create: true });
  storage.putKey({
    keyId,
    part: 'management-group',
    managementGroupId: group.id,
    managementGroupName: group.name,
    kek,
    createdAt: new Date().toISOString(),
  });
  const passwordHash = await hashPassword(TEST_PASSWORD);
  await db.transaction(async (tx) => {
    await tx.query('INSERT INTO management_group (id, name) VALUES ($1, $2)', [group.id, group.name]);
    await insertKeyRecord(tx, keyId, 'management-group', kek);
    await registerComputer(tx, TEST_COMPUTER, 'management-server', 'workflow');
    await tx.query("INSERT INTO users (username, password_hash, role) VALUES ($1, $2, 'administrator')", [
      TEST_USERNAME,
      passwordHash,
    ]);
  });
  const sealer = await unlockKey(db, storage, keyId, group.name);
  return { group, keyId, sealer, storage, username: TEST_USERNAME, password: TEST_PASSWORD };
}

export interface ApiFixture extends PreparedServiceManager {
  engine: EngineFixture['name'];
  db: Database;
  ctx: AppContext;
  app: FastifyInstance;
  /** Every log line the app wrote (pino JSON strings). */
  logs: string[];
  /** Signs in (POST /api/v1/sessions) and returns the bearer token. */
  login(username?: string, password?: string): Promise<string>;
  /** `{ authorization: 'Bearer <token>' }` for inject(). */
  auth(token: string): Record<string, string>;
  /** Creates a user through POST /api/v1/users as the admin, signs them in, and returns their token. */
  addUser(username: string, role: string, password?: string): Promise<string>;
  close(): Promise<void>;
}

export interface ApiFixtureOptions {
  /** Sign-in and HTTP limits other than the defaults. */
  limits?: AppContext['limits'];
}

export async function openApiFixture(
  makeEngine: () => EngineFixture,
  options: ApiFixtureOptions = {},
): Promise<ApiFixture> {
  const engine = makeEngine();
  const home = tempDir('smgr-api-');
  let db: Database | undefined;
  try {
    db = await engine.open(await engine.newDatabaseUrl());
    const prepared = await prepareServiceManager(db, path.join(home, 'secure-storage'));
    const logs: string[] = [];
    const logger = pino({ level: 'trace' }, { write: (line: string) => logs.push(line) });
    const ctx: AppContext = {
      db,
      sealer: prepared.sealer,
      logger,
      identity: { managementGroup: prepared.group, computerName: TEST_COMPUTER, role: 'workflow' },
      limits: options.limits,
    };
    const app = await buildApp(ctx);
    const openDb = db;
    const login = async (username = TEST_USERNAME, password = TEST_PASSWORD) => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { username, password },
      });
      if (res.statusCode !== 201) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
      return res.json<{ token: string }>().token;
    };
    let adminToken: string | undefined;
    return {
      ...prepared,
      engine: engine.name,
      db,
      ctx,
      app,
      logs,
      login,
      auth: (token) => ({ authorization: `Bearer ${token}` }),
      async addUser(username, role, password = `${username} password 1`) {
        adminToken ??= await login();
        const res = await app.inject({
          method: 'POST',
          url: '/api/v1/users',
          headers: { authorization: `Bearer ${adminToken}` },
          payload: { username, role, password },
        });
        if (res.statusCode !== 201) throw new Error(`user not created: ${res.statusCode} ${res.body}`);
        return login(username, password);
      },
      async close() {
        await app.close();
        await openDb.close();
        await engine.cleanup();
        fs.rmSync(home, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await db?.close().catch(() => {});
    await engine.cleanup().catch(() => {});
    fs.rmSync(home, { recursive: true, force: true });
    throw e;
  }
}

/** Row counts of the tables the API writes, to prove a refused request changed nothing. */
export async function countRows(
  db: Queryable,
  tables: readonly string[] = [
    'work_items',
    'config_items',
    'run_as_accounts',
    'api_tokens',
    'audit_log',
    'users',
    'work_item_comments',
    'work_item_approvals',
    'work_item_history',
  ],
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of tables) {
    if (!/^[a-z_]+$/.test(t)) throw new Error(`not a table name: ${t}`);
    const r = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`);
    counts[t] = r.rows[0]?.n ?? 0;
  }
  return counts;
}

/**
 * Asserts an error answer: the status, JSON `{error: code, message, remedy}`
 * with nothing else (no stack, no statusCode), and returns the message.
 */
export function expectError(res: LightMyRequestResponse, status: number, code: string): string {
  assert.equal(res.statusCode, status, `expected ${status} ${code}, got ${res.statusCode} ${res.body}`);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = res.json<Record<string, unknown>>();
  assert.equal(body.error, code, res.body);
  assert.equal(typeof body.message, 'string');
  assert.deepEqual(Object.keys(body).sort(), ['error', 'message', 'remedy'], res.body);
  assert.doesNotMatch(res.body, /\bat .+:\d+:\d+/, 'no stack trace in an answer');
  return body.message as string;
}
