/**
 * Registered computers: one row per (computer name, part) with its role, its
 * last heartbeat and whether it recorded a clean stop. A server is alive when
 * it did not record a clean stop and heartbeated within ALIVE_WINDOW_S.
 */
import type { Queryable } from '../db/database.js';

export type Part = 'management-server' | 'data-warehouse' | 'portal';
export type Role = 'workflow' | 'secondary' | 'data-warehouse' | 'portal';

export const HEARTBEAT_INTERVAL_MS = 5_000;
export const ALIVE_WINDOW_S = 60;

export interface Registration {
  computerName: string;
  part: Part;
  role: Role;
  installedAt: Date;
  lastHeartbeat: Date | null;
  stoppedAt: Date | null;
  alive: boolean;
  /** Whole seconds, by the database's clock, until an alive registration stops counting as alive; 0 when not alive. */
  aliveLeftS: number;
}

interface RegistrationRow extends Record<string, unknown> {
  computer_name: string;
  part: Part;
  role: Role;
  installed_at: Date;
  last_heartbeat: Date | null;
  stopped_at: Date | null;
  alive: boolean;
  alive_left_s: number;
}

const ALIVE = `(stopped_at IS NULL AND last_heartbeat IS NOT NULL
   AND last_heartbeat > now() - make_interval(secs => ${ALIVE_WINDOW_S}))`;
const SELECT = `SELECT computer_name, part, role, installed_at, last_heartbeat, stopped_at, ${ALIVE} AS alive,
  CASE WHEN ${ALIVE} THEN ceil(extract(epoch FROM
    last_heartbeat + make_interval(secs => ${ALIVE_WINDOW_S}) - now()))::int ELSE 0 END AS alive_left_s
  FROM computers`;

const fromRow = (r: RegistrationRow): Registration => ({
  computerName: r.computer_name,
  part: r.part,
  role: r.role,
  installedAt: r.installed_at,
  lastHeartbeat: r.last_heartbeat,
  stoppedAt: r.stopped_at,
  alive: r.alive,
  aliveLeftS: Number(r.alive_left_s),
});

export async function registerComputer(
  db: Queryable,
  computerName: string,
  part: Part,
  role: Role,
): Promise<void> {
  await db.query('INSERT INTO computers (computer_name, part, role) VALUES ($1, $2, $3)', [
    computerName,
    part,
    role,
  ]);
}

export async function getRegistration(
  db: Queryable,
  computerName: string,
  part: Part,
): Promise<Registration | undefined> {
  const r = await db.query<RegistrationRow>(`${SELECT} WHERE computer_name = $1 AND part = $2`, [
    computerName,
    part,
  ]);
  return r.rows[0] ? fromRow(r.rows[0]) : undefined;
}

export async function listRegistrations(db: Queryable): Promise<Registration[]> {
  const r = await db.query<RegistrationRow>(`${SELECT} ORDER BY computer_name, part`);
  return r.rows.map(fromRow);
}

export async function heartbeat(db: Queryable, computerName: string, part: Part): Promise<void> {
  await db.query(
    'UPDATE computers SET last_heartbeat = now(), stopped_at = NULL WHERE computer_name = $1 AND part = $2',
    [computerName, part],
  );
}

export async function recordCleanStop(db: Queryable, computerName: string, part: Part): Promise<void> {
  await db.query('UPDATE computers SET stopped_at = now() WHERE computer_name = $1 AND part = $2', [
    computerName,
    part,
  ]);
}
