/**
 * The data warehouse registered with this management group, in
 * ServiceManager (migration v6): the `data_warehouse` row (the DW group's id
 * and name, its computer, its key id, its service account), the DW's key
 * record in key_records (key id, part, verifier, wrapped DEK — never the
 * KEK), its computer's registration (part data-warehouse) and its service
 * account (role data-warehouse). register() and unregister() each change all
 * of these in the caller's transaction, after every refusal was checked.
 */
import type { Queryable } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { hashPassword } from '../keys/password-hash.js';
import { requireManagementGroup } from '../management-group/management-group.js';
import { getRegistration } from '../management-group/registration.js';

export interface DwRegistrationRequest {
  dataWarehouse: { id: string; name: string };
  computerName: string;
  key: { keyId: string; verifier: string; wrappedDek: string };
  serviceAccountPassword: string;
}

export interface DwRecord {
  id: string;
  name: string;
  computerName: string;
  keyId: string;
  serviceUser: string;
}

export const serviceUserOf = (dwId: string) => `dw-${dwId}`;

export async function readDwRecord(db: Queryable): Promise<DwRecord | undefined> {
  const r = await db.query<{
    id: string;
    name: string;
    computer_name: string;
    key_id: string;
    service_user: string;
  }>('SELECT id, name, computer_name, key_id, service_user FROM data_warehouse');
  const row = r.rows[0];
  return row
    ? {
        id: row.id,
        name: row.name,
        computerName: row.computer_name,
        keyId: row.key_id,
        serviceUser: row.service_user,
      }
    : undefined;
}

/** Refusals first (DW_GROUP_NAME_TAKEN, DW_OTHER_REGISTERED), then every row; idempotent for the same DW. */
export async function registerDw(
  tx: Queryable,
  req: DwRegistrationRequest,
): Promise<{ managementGroup: { id: string; name: string }; serviceUser: string }> {
  const group = await requireManagementGroup(tx);
  if (group.name.toLowerCase() === req.dataWarehouse.name.toLowerCase()) {
    throw new SmgrError('DW_GROUP_NAME_TAKEN', { name: req.dataWarehouse.name });
  }
  const existing = await readDwRecord(tx);
  if (existing && existing.id !== req.dataWarehouse.id) {
    throw new SmgrError('DW_OTHER_REGISTERED', {
      group: group.name,
      dw: existing.name,
      computer: existing.computerName,
    });
  }
  const serviceUser = serviceUserOf(req.dataWarehouse.id);
  const passwordHash = await hashPassword(req.serviceAccountPassword);
  if (existing) await removeRows(tx, existing, false);
  await tx.query(
    `INSERT INTO key_records (key_id, part, verifier, wrapped_dek) VALUES ($1, 'data-warehouse', $2, $3)
     ON CONFLICT (key_id) DO UPDATE SET verifier = EXCLUDED.verifier, wrapped_dek = EXCLUDED.wrapped_dek`,
    [req.key.keyId, Buffer.from(req.key.verifier, 'base64'), Buffer.from(req.key.wrappedDek, 'base64')],
  );
  await tx.query(
    `INSERT INTO users (username, password_hash, role, display_name) VALUES ($1, $2, 'data-warehouse', $3)
     ON CONFLICT (username) DO UPDATE SET password_hash = EXCLUDED.password_hash, role = 'data-warehouse',
       disabled_at = NULL, password_changed_at = now(), updated_at = now()`,
    [serviceUser, passwordHash, `Data warehouse ${req.dataWarehouse.name}`],
  );
  if (!(await getRegistration(tx, req.computerName, 'data-warehouse'))) {
    await tx.query(
      "INSERT INTO computers (computer_name, part, role) VALUES ($1, 'data-warehouse', 'data-warehouse')",
      [req.computerName],
    );
  }
  await tx.query(
    `INSERT INTO data_warehouse (id, name, computer_name, key_id, service_user) VALUES ($1, $2, $3, $4, $5)`,
    [req.dataWarehouse.id, req.dataWarehouse.name, req.computerName, req.key.keyId, serviceUser],
  );
  return { managementGroup: { id: group.id, name: group.name }, serviceUser };
}

/** Removes the DW's rows; answers what was registered (undefined: nothing). */
export async function unregisterDw(tx: Queryable, dwId: string): Promise<DwRecord | undefined> {
  const existing = await readDwRecord(tx);
  if (existing && existing.id !== dwId) {
    const group = await requireManagementGroup(tx);
    throw new SmgrError('DW_OTHER_REGISTERED', {
      group: group.name,
      dw: existing.name,
      computer: existing.computerName,
    });
  }
  if (existing) await removeRows(tx, existing, true);
  return existing;
}

async function removeRows(tx: Queryable, dw: DwRecord, withUser: boolean): Promise<void> {
  await tx.query('DELETE FROM data_warehouse');
  await tx.query("DELETE FROM key_records WHERE key_id = $1 AND part = 'data-warehouse'", [dw.keyId]);
  await tx.query("DELETE FROM computers WHERE part = 'data-warehouse'");
  if (withUser) await tx.query('DELETE FROM users WHERE username = $1', [dw.serviceUser]);
}
