/**
 * `smgr dw register` / `smgr dw unregister` (issue 9 item 3): the DW's
 * registration with a Service Manager management group.
 *
 * register: refusals first, read-only — the DW key verifies here; the
 * target's /health names its group: a group named like this DW
 * (DW_GROUP_NAME_TAKEN) or another group than the one this DW is
 * registered with (DW_REGISTERED_ELSEWHERE) is refused before signing in,
 * so nothing changes anywhere. Then, signed in as an administrator of that
 * group (a wrong password is DW_SOURCE_SIGN_IN_FAILED), one call writes
 * ServiceManager's rows in one transaction (key record, computer, service
 * account; DW_OTHER_REGISTERED refused there), and one DWStagingAndConfig
 * transaction keeps the source group and the service account's new password
 * sealed with the DW's DEK. Idempotent: registering again rotates that
 * password. A crash between the two writes leaves ServiceManager registered
 * and the DW not (or holding the previous password): registering again fixes it.
 *
 * unregister: removes the DW's rows from ServiceManager, then the source
 * group here; the DW's staging data and watermark are kept.
 */
import { randomBytes } from 'node:crypto';
import { audit } from '../audit/audit.js';
import { SmgrError } from '../errors/smgr-error.js';
import { getKeyRecord } from '../keys/key-records.js';
import { unlockKey } from '../keys/unlock-key.js';
import type { OpenedDataWarehouse } from './data-warehouse-part.js';
import { requireDwGroup } from './dw-group.js';
import { credentialContext, readSourceGroup } from './dw-source.js';
import { normalizeSourceUrl, withSourceSession } from './source-client.js';

export interface RegisterInput {
  managementServer: string;
  adminUser: string;
  adminPassword: string;
}

export interface RegisterResult {
  dataWarehouse: { id: string; name: string };
  managementGroup: { id: string; name: string };
  url: string;
  serviceUser: string;
  keyId: string;
  computerName: string;
}

async function health(url: string): Promise<{ managementGroup: string }> {
  let res: Response;
  try {
    res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    throw new SmgrError('DW_SOURCE_UNREACHABLE', { url, reason: cause });
  }
  const body = (await res.json().catch(() => undefined)) as { managementGroup?: unknown } | undefined;
  if (!res.ok || typeof body?.managementGroup !== 'string') {
    throw new SmgrError('DW_SOURCE_UNREACHABLE', {
      url,
      reason: `it is not an smgr management server (HTTP ${res.status})`,
    });
  }
  return { managementGroup: body.managementGroup };
}

export async function registerDataWarehouse(
  dw: OpenedDataWarehouse,
  input: RegisterInput,
  actor: string,
): Promise<RegisterResult> {
  const url = normalizeSourceUrl(input.managementServer);
  const group = await requireDwGroup(dw.staging);
  const sealer = await unlockKey(dw.staging, dw.storage, dw.config.keyId, group.name);
  const record = await getKeyRecord(dw.staging, dw.config.keyId);
  if (!record) throw new SmgrError('KEY_RECORD_MISSING', { keyId: dw.config.keyId });
  const target = await health(url);
  if (target.managementGroup.toLowerCase() === group.name.toLowerCase()) {
    throw new SmgrError('DW_GROUP_NAME_TAKEN', { name: group.name });
  }
  const existing = await readSourceGroup(dw.staging);
  if (existing && existing.name !== target.managementGroup) {
    throw new SmgrError('DW_REGISTERED_ELSEWHERE', { group: existing.name, url: existing.url });
  }
  const password = randomBytes(32).toString('base64url');
  const answer = await withSourceSession(url, input.adminUser, input.adminPassword, (s) =>
    s.call<{ managementGroup: { id: string; name: string }; serviceUser: string }>(
      'PUT',
      '/api/v1/data-warehouse',
      {
        dataWarehouse: { id: group.id, name: group.name },
        computerName: dw.computerName,
        key: {
          keyId: record.keyId,
          verifier: record.verifier.toString('base64'),
          wrappedDek: record.wrappedDek.toString('base64'),
        },
        serviceAccountPassword: password,
      },
    ),
  );
  const sm = answer.managementGroup;
  const sealed = sealer.seal(password, credentialContext(sm.id));
  await dw.staging.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO source_group (id, name, url, username, credential_sealed, key_id) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (singleton) DO UPDATE SET id = $1, name = $2, url = $3, username = $4, credential_sealed = $5,
         key_id = $6, registered_at = now()`,
      [sm.id, sm.name, url, answer.serviceUser, sealed, record.keyId],
    );
    await audit(tx, actor, 'data-warehouse.registered', sm.name, { url, serviceUser: answer.serviceUser });
  });
  return {
    dataWarehouse: { id: group.id, name: group.name },
    managementGroup: sm,
    url,
    serviceUser: answer.serviceUser,
    keyId: record.keyId,
    computerName: dw.computerName,
  };
}

export async function unregisterDataWarehouse(
  dw: OpenedDataWarehouse,
  input: { adminUser: string; adminPassword: string },
  actor: string,
): Promise<{ managementGroup: { id: string; name: string }; url: string }> {
  const group = await requireDwGroup(dw.staging);
  const source = await readSourceGroup(dw.staging);
  if (!source) throw new SmgrError('DW_NOT_REGISTERED', { dw: group.name });
  await withSourceSession(source.url, input.adminUser, input.adminPassword, (s) =>
    s.call('DELETE', `/api/v1/data-warehouse?id=${encodeURIComponent(group.id)}`),
  );
  await dw.staging.transaction(async (tx) => {
    await tx.query('DELETE FROM source_group');
    await audit(tx, actor, 'data-warehouse.unregistered', source.name, { url: source.url });
  });
  return { managementGroup: { id: source.id, name: source.name }, url: source.url };
}
