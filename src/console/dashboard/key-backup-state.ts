/**
 * Key backup state per key and computer, for the recovery dashboard (issue
 * 14 item 3): every key record of the group (the management group key, the
 * data warehouse key, each portal key) with the computers whose part holds
 * that key in its secure storage (their registrations), and whether a key
 * backup file was made after the key was (readiness.ts's rule).
 *
 * The database records when a key was last backed up, not from which
 * computer (any computer holding the key can write the file), so each
 * computer of a key shows the key's state. Read-only; no key material.
 */
import type { Queryable } from '../../db/database.js';
import { listKeyRecords } from '../../keys/key-records.js';
import { listRegistrations } from '../../management-group/registration.js';

const PART_OF_KEY = {
  'management-group': 'management-server',
  'data-warehouse': 'data-warehouse',
  portal: 'portal',
} as const;

export interface KeyComputer {
  computerName: string;
  part: string;
  alive: boolean;
}

export interface KeyBackupState {
  keyId: string;
  /** The key's part: management-group, data-warehouse, portal. */
  keyPart: string;
  createdAt: string;
  lastBackupAt: string | null;
  state: 'backed-up' | 'never' | 'changed-since';
  computers: KeyComputer[];
}

export async function keyBackupStates(db: Queryable): Promise<KeyBackupState[]> {
  const registrations = await listRegistrations(db);
  const keys = await listKeyRecords(db);
  // A portal key belongs to the portal computers that registered with it; the
  // registration does not name its key, so portals are matched by part.
  return keys.map((k) => {
    const part = PART_OF_KEY[k.part as keyof typeof PART_OF_KEY];
    const last = k.lastBackupAt;
    return {
      keyId: k.keyId,
      keyPart: k.part,
      createdAt: k.createdAt.toISOString(),
      lastBackupAt: last?.toISOString() ?? null,
      state:
        last === null ? 'never' : last.getTime() >= k.createdAt.getTime() ? 'backed-up' : 'changed-since',
      computers: registrations
        .filter((r) => r.part === part)
        .map((r) => ({ computerName: r.computerName, part: r.part, alive: r.alive })),
    };
  });
}
