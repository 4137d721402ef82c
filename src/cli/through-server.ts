/**
 * ARCHITECTURE §2: a CLI command that needs the database asks the server
 * running from this home (admin channel) when there is one, and otherwise
 * opens the installation itself and runs the same domain function. One path
 * for both engines.
 */
import type { HomePaths } from '../computer/home.js';
import { type Installation, openInstallation } from '../computer/installation.js';
import { callAdmin } from '../management-server/admin-client.js';

export async function throughServer<T>(
  home: HomePaths,
  computerNameFlag: string | undefined,
  op: string,
  body: unknown,
  direct: (inst: Installation) => Promise<T>,
  onEvent?: (event: unknown) => void,
): Promise<T> {
  const viaServer = await callAdmin<T>(home, op, body, onEvent);
  if (viaServer !== undefined) return viaServer;
  const inst = await openInstallation(home, computerNameFlag);
  try {
    return await direct(inst);
  } finally {
    await inst.db.close();
  }
}
